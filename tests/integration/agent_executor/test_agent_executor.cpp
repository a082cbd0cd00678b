// The agent's executor driven by a scripted behaviour: whatever typed actions a behaviour
// returns, the agent carries them out the same way, without knowing which behaviour it runs.
// The agent runs in this process (AgentOptions::make_behaviour), with the build's script
// engines, on a module with recording Lua hooks; commands reach it through its socket.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "agent/module_agent.hpp"
#include "common/module_log.hpp"
#include "control/control_client.hpp"
#include "haven_test_node.hpp"
#include "module_store/module_store.hpp"
#include "state/agent_state_record.hpp"
#include "state/node_knowledge_store.hpp"
#include "test_module.hpp"
#include "wait_until.hpp"

using namespace haven;
using namespace std::chrono_literals;

namespace {

constexpr const char* kModule = "scripted";

// A behaviour that answers each event with what the test scripted for it, and remembers
// every event it was given. The agent calls it on its loop thread; the test reads it on its own.
class ScriptedBehaviour final : public Behaviour {
 public:
  using Script = std::function<std::vector<Action>(const Event&)>;
  explicit ScriptedBehaviour(Script script) : script_(std::move(script)) {}

  std::vector<Action> begin(const ServiceSettings&, const NodeKnowledge& known, TimePoint) override {
    knowledge_ = known;
    return {};
  }
  std::vector<Action> handle(const Event& event, TimePoint) override {
    std::vector<Action> out;
    {
      std::lock_guard lock(mutex_);
      events_.push_back(event);
      out = script_(event);
    }
    for (const auto& a : out)
      if (const auto* enter = std::get_if<EnterState>(&a)) {
        state_ = enter->state;
        sub_ = enter->sub;
      } else if (const auto* save = std::get_if<SaveKnowledge>(&a)) {
        knowledge_ = save->knowledge;
      }
    return out;
  }
  ModuleState state() const override { return state_; }
  SubState sub_state() const override { return sub_; }
  NodeKnowledge knowledge() const override { return knowledge_; }
  std::vector<RunHook> crash_cleanup(const ServiceSettings&, std::optional<ModuleState>) const override { return {}; }
  PeerDiscovery peer_discovery() const noexcept override { return PeerDiscovery::none; }

  std::vector<Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  template <typename T>
  std::vector<T> events_of() const {
    std::vector<T> out;
    for (const auto& e : events())
      if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }

 private:
  Script script_;
  mutable std::mutex mutex_;
  std::vector<Event> events_;
  ModuleState state_ = ModuleState::stop;
  SubState sub_ = SubState::not_ready;
  NodeKnowledge knowledge_;
};

RunHook hook(const std::string& name, std::vector<std::string> args, HookPhase phase = HookPhase::start) {
  RunHook h;
  h.hook = name;
  h.args = std::move(args);
  h.phase = phase;
  return h;
}

CommandReply reply(Command command, bool accepted = true, std::string message = {}) {
  CommandReply r;
  r.command = command;
  r.accepted = accepted;
  r.message = std::move(message);
  return r;
}

EnterState enter(ModuleState state, SubState sub, std::string reason) {
  EnterState e;
  e.state = state;
  e.sub = sub;
  e.reason = std::move(reason);
  return e;
}

// A module root with a light module whose hooks record their calls; start_both of `fail`
// exits 3. The agent runs on its own thread until the behaviour enters STOP.
class ScriptedAgent {
 public:
  ScriptedAgent(const std::string& label, ScriptedBehaviour::Script script, std::string service_extra = {},
                std::function<std::unique_ptr<vip::VipHolder>(vip::VipOwnerOptions)> make_vips = {})
      : behaviour_(std::make_shared<ScriptedBehaviour>(std::move(script))) {
    root_ = std::filesystem::path("/tmp") / ("hvex-" + label + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "work");
    paths_ = HavenPaths::under(root_);
    ::setenv("HAVEN_PLUGIN_PATH", (test::build_dir() / "lib" / "haven" / "plugins").c_str(), 1);
    auto hooks = test::recording_hooks({{"start_both", "if (...) == 'fail' then os.exit(3) end\n"}});
    const auto archive = test::pack_module(
        root_ / "work", kModule,
        {"<safe><service mode=\"light\"><user nicestoptimeout=\"5s\" forcestoptimeout=\"5s\"/>" + service_extra +
             "</service></safe>",
         hooks});
    auto installed = ModuleStore(paths_).install(archive, std::string(kModule), std::nullopt, {});
    INFO((installed.ok() ? "" : installed.error().message));
    REQUIRE(installed.ok());
    auto behaviour = behaviour_;
    agent_ = std::make_unique<ModuleAgent>(
        AgentOptions{paths_, "node1", kModule, [behaviour](std::shared_ptr<HostContext>) { return behaviour; },
                     test::build_program("haven-hook"), std::move(make_vips)});
    auto st = agent_->init();
    INFO((st.ok() ? "" : st.error().message));
    REQUIRE(st.ok());
    thread_ = std::thread([this] { exit_code_ = agent_->run(); });
  }
  ~ScriptedAgent() {
    if (thread_.joinable()) {
      (void)ask("forcestop");
      // The script answers forcestop by entering STOP; the loop then ends.
      thread_.join();
    }
    agent_.reset();
    std::filesystem::remove_all(root_);
  }

  Result<ControlResponse> ask(const std::string& command, nlohmann::json args = nlohmann::json::object()) {
    ControlRequest r;
    r.command = command;
    r.module = kModule;
    r.args = std::move(args);
    return send_control_request(paths_.agent_socket(kModule), r, 10s);
  }
  ScriptedBehaviour& behaviour() { return *behaviour_; }
  const HavenPaths& paths() const { return paths_; }
  std::vector<std::string> record() const { return test::read_lines(paths_.module_var_dir(kModule) / "record"); }
  std::string module_log() const {
    std::ifstream in(module_log_files(paths_, kModule).module_log);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool finished() const { return exit_code_.has_value(); }
  void join() { thread_.join(); }

 private:
  std::filesystem::path root_;
  HavenPaths paths_;
  std::shared_ptr<ScriptedBehaviour> behaviour_;
  std::unique_ptr<ModuleAgent> agent_;
  std::thread thread_;
  std::optional<int> exit_code_;
};

// Holds no address: writes "vip take" and "vip release" into the module's record file, where
// the recording hooks write, so that the order of hooks and VIP steps is one list. The file is
// named once the agent exists, after the agent made this.
class RecordingVips final : public vip::VipHolder {
 public:
  explicit RecordingVips(const std::filesystem::path& record) : record_(record) {}
  bool configured() const override { return true; }
  Result<std::vector<vip::PlannedAddress>> plan() const override { return std::vector<vip::PlannedAddress>{}; }
  Status take(vip::Clock::time_point) override {
    held_.resize(1);
    std::ofstream(record_, std::ios::app) << "vip take\n";
    return ok_status();
  }
  Status release() override {
    held_.clear();
    std::ofstream(record_, std::ios::app) << "vip release\n";
    return ok_status();
  }
  std::optional<vip::Clock::time_point> next_refresh(vip::Clock::time_point) const override { return std::nullopt; }
  int refresh(vip::Clock::time_point) override { return 0; }
  const std::vector<vip::PlannedAddress>& held() const override { return held_; }
  std::vector<vip::GeneratedCheck> checks() const override { return {}; }

 private:
  const std::filesystem::path& record_;
  std::vector<vip::PlannedAddress> held_;
};

// The usual skeleton: start runs start_both, stop and forcestop run stop_both force and STOP.
std::vector<Action> start_stop(const Event& event, std::vector<std::string> start_args = {"STOP", "UP", "start"}) {
  std::vector<Action> out;
  if (const auto* c = std::get_if<CommandEvent>(&event)) {
    out.push_back(reply(c->command));
    if (c->command == Command::start) {
      out.push_back(enter(ModuleState::wait, SubState::transient, "scripted start"));
      out.push_back(hook("start_both", std::move(start_args)));
    } else if (c->command == Command::stop || c->command == Command::forcestop) {
      out.push_back(hook("stop_both", {"force"}, HookPhase::force_stop));
    }
  } else if (const auto* f = std::get_if<HookFinished>(&event); f && f->hook == "stop_both") {
    out.push_back(enter(ModuleState::stop, SubState::not_ready, "scripted stop"));
  }
  return out;
}

}  // namespace

TEST_CASE("a RunHook runs the hook with its arguments and HookFinished comes back; its failure too",
          "[agent][executor]") {
  ScriptedAgent agent("hooks", [](const Event& e) {
    auto out = start_stop(e, {"fail"});
    if (const auto* f = std::get_if<HookFinished>(&e); f && f->hook == "start_both")
      out.push_back(enter(ModuleState::wait, SubState::not_ready, "start_both failed"));
    return out;
  });
  auto r = agent.ask("start");
  REQUIRE(r.ok());
  CHECK(r->ok);
  REQUIRE(test::wait_until([&] { return !agent.behaviour().events_of<HookFinished>().empty(); }, 10s));
  const auto finished = agent.behaviour().events_of<HookFinished>().front();
  INFO(finished.detail << "\n" << agent.module_log());
  CHECK(finished.hook == "start_both");
  CHECK_FALSE(finished.ok);
  CHECK(finished.exit_code == 3);
  const auto record = agent.record();
  REQUIRE_FALSE(record.empty());
  CHECK(record.front() == "start_both fail");
  REQUIRE(agent.ask("stop").ok());
  REQUIRE(test::wait_until([&] { return agent.finished(); }, 10s));
  agent.join();
  CHECK(agent.record().back() == "stop_both force");
}

TEST_CASE("the executor carries out every kind of action a behaviour returns", "[agent][executor]") {
  NodeKnowledge saved;
  saved.generation = 42;
  saved.data_uptodate = true;
  ScriptedAgent agent("actions", [saved](const Event& e) {
    auto out = start_stop(e);
    if (const auto* f = std::get_if<HookFinished>(&e); f && f->hook == "start_both" && f->ok) {
      SetResource resource;
      resource.name = "custom.scripted";
      resource.value = "up";
      out.push_back(resource);
      out.push_back(SaveKnowledge{saved});
      out.push_back(Report{LogLevel::warning, "scripted report: the executor logs what it is told"});
      StartTimer timer;
      timer.name = "scripted-timer";
      timer.after = 50ms;
      out.push_back(timer);
      DealBuckets deal;
      deal.group = "Scripted_0";
      deal.members = {"node1"};
      deal.owned.set();
      deal.shares = {deal.owned};
      out.push_back(deal);
      out.push_back(enter(ModuleState::up, SubState::ready, "scripted: serving"));
    } else if (const auto* t = std::get_if<TimerFired>(&e); t && t->name == "scripted-timer") {
      // A module without hooks of its own gets host steps on the hooks' turn.
      CarryOut carry;
      carry.steps.push_back(HostStep(std::in_place_type<ReleaseVips>));
      out.push_back(carry);
      out.push_back(hook("transition", {"UP", "UP", "timer"}));
    }
    return out;
  });
  REQUIRE(agent.ask("start").ok());
  REQUIRE(test::wait_until([&] { return agent.behaviour().events_of<TimerFired>().size() == 1; }, 10s));
  REQUIRE(test::wait_until([&] { return agent.record().size() >= 2; }, 10s));
  CHECK(agent.record()[1] == "transition UP UP timer");

  auto state = agent.ask("state");
  REQUIRE(state.ok());
  REQUIRE(state->ok);
  INFO(state->data.dump());
  CHECK(state->data.value("state", "") == "UP");
  CHECK(state->data.value("substate", "") == "Ready");
  CHECK(state->data.value("reason", "") == "scripted: serving");
  CHECK(state->data.value("generation", 0) == 42);
  REQUIRE(state->data.contains("load"));
  CHECK(state->data["load"][0].value("owned", 0) == 256);

  auto got = agent.ask("get", {{"resource", "custom.scripted"}});
  REQUIRE(got.ok());
  INFO(got->data.dump());
  REQUIRE(got->ok);
  CHECK(got->data[0].value("value", "") == "up");
  CHECK(got->data[0].value("set_by", "") == "haven");

  // Persisted before the next action: the knowledge file and the state record.
  auto known = load_knowledge(agent.paths().knowledge_file(kModule));
  REQUIRE(known.ok());
  CHECK(known->generation == 42);
  CHECK(load_agent_state(agent.paths().agent_state_file(kModule)) == std::optional<std::string>("UP"));
  CHECK(agent.module_log().find("scripted report: the executor logs what it is told") != std::string::npos);
}

TEST_CASE("a refused CommandReply reaches the client with the behaviour's reason", "[agent][executor]") {
  ScriptedAgent agent("refusal", [](const Event& e) {
    if (const auto* c = std::get_if<CommandEvent>(&e); c && c->command == Command::swap)
      return std::vector<Action>{reply(Command::swap, false, "scripted: nothing to swap with")};
    return start_stop(e);
  });
  auto r = agent.ask("swap");
  REQUIRE(r.ok());
  CHECK_FALSE(r->ok);
  CHECK(r->message.find("scripted: nothing to swap with") != std::string::npos);
  CHECK(agent.behaviour().events_of<HookFinished>().empty());  // a refusal runs nothing
}

TEST_CASE("the VIP steps around hooks run in their place: taken after start_both succeeded, released before stop_both",
          "[agent][executor]") {
  const std::string vip_xml =
      "<vip><interface_list><interface><real_interface>"
      "<virtual_addr addr=\"198.51.100.60\" where=\"one_side_alias\"/>"
      "</real_interface></interface></interface_list></vip>";
  std::filesystem::path record;
  ScriptedAgent agent(
      "vips",
      [](const Event& e) {
        std::vector<Action> out;
        if (const auto* c = std::get_if<CommandEvent>(&e)) {
          out.push_back(reply(c->command));
          if (c->command == Command::start) {
            out.push_back(enter(ModuleState::wait, SubState::transient, "scripted start"));
            auto start = hook("start_both", {"STOP", "UP", "start"});
            start.after_success.emplace_back(std::in_place_type<TakeVips>);
            out.push_back(start);
          } else if (c->command == Command::stop || c->command == Command::forcestop) {
            auto stop = hook("stop_both", {"force"}, HookPhase::force_stop);
            stop.before.emplace_back(std::in_place_type<ReleaseVips>);
            out.push_back(stop);
          }
        } else if (const auto* f = std::get_if<HookFinished>(&e)) {
          if (f->hook == "start_both") out.push_back(enter(ModuleState::up, SubState::ready, "scripted: serving"));
          if (f->hook == "stop_both") out.push_back(enter(ModuleState::stop, SubState::not_ready, "scripted stop"));
        }
        return out;
      },
      vip_xml,
      [&record](vip::VipOwnerOptions options) {
        CHECK(options.module == kModule);
        CHECK(options.vip.interfaces.size() == 1);
        return std::make_unique<RecordingVips>(record);
      });
  record = agent.paths().module_var_dir(kModule) / "record";
  REQUIRE(agent.ask("start").ok());
  REQUIRE(test::wait_until([&] { return agent.record().size() >= 2; }, 10s));
  CHECK(agent.record() == std::vector<std::string>{"start_both STOP UP start", "vip take"});
  REQUIRE(agent.ask("stop").ok());
  REQUIRE(test::wait_until([&] { return agent.finished(); }, 10s));
  agent.join();
  CHECK(agent.record() == std::vector<std::string>{"start_both STOP UP start", "vip take", "vip release", "stop_both force"});
}
