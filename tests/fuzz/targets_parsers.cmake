# Fuzz targets for the parsers of the review's "what has none" list (included from
# CMakeLists.txt, which defines haven_add_fuzzer): Lua failover rules, batch execution,
# ICMP echo replies, /proc process table, mountinfo, the shell hook's first line and plugin
# descriptors. See docs/fuzzing.md.

# mount_table.cpp is compiled in directly: the rest of haven_replication_fs needs FUSE.
haven_add_fuzzer(fuzz_mountinfo SOURCES fuzz_mountinfo.cpp ${PROJECT_SOURCE_DIR}/core/replication_fs/mount_table.cpp)
target_include_directories(fuzz_mountinfo PRIVATE ${PROJECT_SOURCE_DIR}/core)
haven_add_fuzzer(fuzz_shell_first_line SOURCES fuzz_shell_first_line.cpp LIBS haven_script_sh_engine)
haven_add_fuzzer(fuzz_plugin_descriptor SOURCES fuzz_plugin_descriptor.cpp LIBS haven_plugin_host)
haven_add_fuzzer(fuzz_icmp_reply SOURCES fuzz_icmp_reply.cpp LIBS haven_checker_ping)
haven_add_fuzzer(fuzz_process_table SOURCES fuzz_process_table.cpp LIBS haven_checker_proc)
haven_add_fuzzer(fuzz_lua_rules SOURCES fuzz_lua_rules.cpp LIBS haven_failover_rules DICT lua.dict)
haven_add_fuzzer(fuzz_batch_exec SOURCES fuzz_batch_exec.cpp LIBS haven_script_cmd_engine DICT batch_exec.dict)
# Without Landlock the batch target does not run (its built-ins write files): skipped, not failed.
set_tests_properties(fuzz_batch_exec_regression PROPERTIES SKIP_RETURN_CODE 77)
