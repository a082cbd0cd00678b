// Fixed keys and a sample message shared by the heartbeat tests.
#pragma once

#include "heartbeat/heartbeat_message.hpp"

namespace haven::test {

inline ClusterKey key_filled_with(std::uint8_t byte) {
  ClusterKey k;
  k.bytes.fill(byte);
  return k;
}

inline HeartbeatMessage sample_message() {
  HeartbeatMessage m;
  m.sender_node = "node1";
  m.module = "mirror";
  m.module_id = 7;
  m.boot = BootId{0x0102030405060708ULL, 1764090000123ULL};
  m.sequence = 42;
  m.sent_unix_ms = 1764090001000ULL;
  m.echo_nonce = 0x1112131415161718ULL;
  m.echo_sequence = 7;
  m.state = ModuleState::prim;
  m.sub_state = SubState::transient;
  m.knowledge = NodeKnowledge{true, Role::prim, 0x1122334455667788ULL};
  return m;
}

/// The sample message with a resource table of every value, as a mirror module has one.
inline HeartbeatMessage sample_with_resources() {
  HeartbeatMessage m = sample_message();
  m.resources.generation = 9;
  m.resources.included = true;
  m.resources.table = {{"custom.peerdb", "down"},      {"heartbeat.default", "up"}, {"intf.eth0", "init"},
                       {"ip.198.51.100.10", "unknown"}, {"rfs.uptodate", "up"},     {"usersetting.errd", "off"},
                       {"usersetting.failover", "on"}};
  return m;
}

}  // namespace haven::test
