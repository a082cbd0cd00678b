# Fuzz targets of the byte streams and state files haven reads (included from CMakeLists.txt):
# reintegration planning from a peer's manifest, the applier
# over a hostile tree, the remote command server's frames and handlers, and the local state
# files read at start.
haven_add_fuzzer(fuzz_reintegration_plan SOURCES fuzz_reintegration_plan.cpp LIBS haven_reintegration)
haven_add_fuzzer(fuzz_applier_tree SOURCES fuzz_applier_tree.cpp LIBS haven_replication_apply)
haven_add_fuzzer(fuzz_remote_handlers SOURCES fuzz_remote_handlers.cpp LIBS haven_daemon haven_remote spdlog::spdlog)
haven_add_fuzzer(fuzz_local_state SOURCES fuzz_local_state.cpp LIBS haven_heartbeat haven_module_store haven_state haven_vip haven_checks MAX_LEN 1048576)
haven_add_fuzzer(fuzz_remote_slots SOURCES fuzz_remote_slots.cpp LIBS haven_remote)
haven_add_fuzzer(fuzz_remote_frame SOURCES fuzz_remote_frame.cpp LIBS haven_remote)
