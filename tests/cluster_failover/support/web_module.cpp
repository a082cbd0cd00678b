#include "web_module.hpp"

#include "test_module.hpp"

namespace haven::netns_failover {

std::string web_userconfig(const WebModuleSettings& s) {
  std::string heartbeats = "<heartbeat name=\"default\" ident=\"flow\"/>";
  if (s.lans >= 2) heartbeats += "<heartbeat name=\"lan2\"/>";
  return "<!DOCTYPE safe>\n"
         "<safe>\n"
         "  <service mode=\"mirror\" defaultprim=\"alone\" maxloop=\"10\" loop_interval=\"24h\" failover=\"on\">\n"
         "    <heart pulse=\"" + s.pulse + "\" timeout=\"" + s.timeout + "\">" + heartbeats + "</heart>\n"
         "    <vip><interface_list>\n"
         "      <interface check=\"" + std::string(s.vip_check ? "on" : "off") + "\"><real_interface>\n"
         "        <virtual_addr addr=\"" + s.vip + "\" where=\"one_side_alias\" check=\"" +
         std::string(s.vip_check ? "on" : "off") + "\"/>\n"
         "      </real_interface></interface>\n"
         "    </interface_list></vip>\n"
         "    " + s.failover + "\n" +
         s.service_children +
         "    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>\n"
         "  </service>\n"
         "</safe>\n";
}

std::string served_by(const std::string& node) { return "served by " + node; }

std::string farm_web_userconfig(const FarmWebSettings& s) {
  std::string hosts;
  for (int n = 1; n <= s.nodes; ++n) {
    const int power = static_cast<std::size_t>(n) <= s.powers.size() ? s.powers[static_cast<std::size_t>(n - 1)] : 1;
    hosts += "<host name=\"node" + std::to_string(n) + "\" power=\"" + std::to_string(power) + "\"/>";
  }
  const std::string vmac = s.virtual_mac.empty() ? "" : " addr=\"" + s.virtual_mac + "\"";
  return "<!DOCTYPE safe>\n"
         "<safe>\n"
         "  <service mode=\"farm\" maxloop=\"10\" loop_interval=\"24h\">\n"
         "    <farm pulse=\"" + s.pulse + "\" mlost_count=\"" + std::to_string(s.mlost_count) + "\" slost_count=\"" +
         std::to_string(s.slost_count) + "\"><lan name=\"default\"/></farm>\n"
         "    <vip><interface_list>\n"
         "      <interface check=\"on\"><virtual_interface type=\"vmac_invisible\"" + vmac + ">\n"
         "        <virtual_addr addr=\"" + s.vip + "\" where=\"alias\"/>\n"
         "      </virtual_interface></interface>\n"
         "    </interface_list>\n"
         "    <loadbalancing_list><group name=\"FarmProto\"><cluster>" + hosts + "</cluster>\n"
         "      <rule port=\"" + std::to_string(kWebPort) + "\" proto=\"tcp\" filter=\"" + s.filter + "\"/>\n"
         "    </group></loadbalancing_list></vip>\n" +
         s.service_children +
         "    <user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>\n"
         "  </service>\n"
         "</safe>\n";
}

namespace {

// The hooks' Lua: `start` starts the web server and waits until it answers, `stop` stops it.
struct WebLua {
  std::string start;
  std::string stop;
};

WebLua web_lua(int port) {
  // The server binds every address (it starts before the VIP is set); its command line
  // carries SAFEUSERVAR, under the node's root, so the test's clean-up finds it.
  const std::string start =
      "do\n"
      "  local var = haven.env.SAFEUSERVAR\n"
      "  local www = var .. \"/www\"\n"
      "  haven.exec{ \"mkdir\", \"-p\", www }\n"
      "  local page = assert(io.open(www .. \"/index.html\", \"w\"))\n"
      "  page:write(\"served by \" .. (haven.env.HAVEN_NODE or \"?\") .. \"\\n\")\n"
      "  page:close()\n"
      "  local r = haven.exec{ \"/bin/sh\", \"-c\",\n"
      "    ('/usr/bin/python3 -m http.server --bind 0.0.0.0 --directory \"%s\" " +
      std::to_string(port) +
      " >\"%s/http.log\" 2>&1 & echo $! >\"%s/http.pid\"'):format(www, var, var), timeout = 10 }\n"
      "  if r.code ~= 0 then haven.printe(\"start: the web server did not start\"); os.exit(1) end\n"
      "  if not haven.wait_tcp(\"127.0.0.1\", " + std::to_string(port) + ", 15) then\n"
      "    haven.printe(\"start: nothing answers on port " + std::to_string(port) + " after 15 s\"); os.exit(1)\n"
      "  end\n"
      "end\n";
  const std::string stop =
      "do\n"
      "  local first = ...\n"
      "  local pidfile = haven.env.SAFEUSERVAR .. \"/http.pid\"\n"
      "  local f = io.open(pidfile, \"r\")\n"
      "  if f then\n"
      "    local pid = f:read(\"l\")\n"
      "    f:close()\n"
      "    haven.exec{ \"kill\", first == \"force\" and \"-KILL\" or \"-TERM\", pid }\n"
      "    if first == \"force\" then os.remove(pidfile) end\n"
      "  end\n"
      "end\n";
  return {start, stop};
}

}  // namespace

std::map<std::string, std::string> web_hooks(int port) {
  const auto lua = web_lua(port);
  return test::recording_hooks({{"start_prim", lua.start}, {"stop_prim", lua.stop}});
}

std::map<std::string, std::string> farm_web_hooks() {
  const auto lua = web_lua(kWebPort);
  return test::recording_hooks({{"start_both", lua.start}, {"stop_both", lua.stop}});
}

}  // namespace haven::netns_failover
