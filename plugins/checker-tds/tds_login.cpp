#include "tds_login.hpp"

#include <ctpublic.h>

#include <cstring>
#include <memory>

namespace haven::checker_tds {
namespace {

using Clock = std::chrono::steady_clock;

// ct-lib calls its message callbacks on the thread that called it: each attempt collects
// its own messages there.
thread_local std::string* t_messages = nullptr;
thread_local bool t_timed_out = false;

void note(const std::string& text) {
  if (t_messages == nullptr || text.empty()) return;
  // ct_connect without a server name (the address is given instead) always says this first.
  if (text.rfind("Server name not found in configuration files", 0) == 0) return;
  // Said after every failed login, after the reason: adds nothing to it.
  if (text.rfind("Adaptive Server connection failed", 0) == 0 && !t_messages->empty()) return;
  if (t_messages->find(text) != std::string::npos) return;  // ct-lib repeats itself
  if (!t_messages->empty()) *t_messages += "; ";
  *t_messages += text;
}

std::string trimmed(const char* text, CS_INT length) {
  std::string s = length > 0 ? std::string(text, static_cast<std::size_t>(length)) : std::string(text);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

extern "C" CS_RETCODE client_message(CS_CONTEXT*, CS_CONNECTION*, CS_CLIENTMSG* message) {
  const std::string text = trimmed(message->msgstring, message->msgstringlen);
  if (text.find("timed out") != std::string::npos) t_timed_out = true;
  std::string os;
  if (message->osstringlen > 0) os = " (" + trimmed(message->osstring, message->osstringlen) + ")";
  note(text + os);
  // CS_FAIL on a timeout makes ct-lib give up at once instead of waiting again.
  return t_timed_out ? CS_FAIL : CS_SUCCEED;
}

extern "C" CS_RETCODE server_message(CS_CONTEXT*, CS_CONNECTION*, CS_SERVERMSG* message) {
  // Severity 10 and below are information ("Changed database context to 'master'.").
  if (message->severity > 10)
    note("server error " + std::to_string(message->msgnumber) + ": " + trimmed(message->text, message->textlen));
  return CS_SUCCEED;
}

extern "C" CS_RETCODE cs_message(CS_CONTEXT*, CS_CLIENTMSG* message) {
  note(trimmed(message->msgstring, message->msgstringlen));
  return CS_SUCCEED;
}

CS_INT tds_version_property(const std::string& version) {
  if (version == "7.0") return CS_TDS_70;
  if (version == "7.1") return CS_TDS_71;
  if (version == "7.2") return CS_TDS_72;
  if (version == "7.3") return CS_TDS_73;
  return CS_TDS_74;
}

// Drops the connection and the context however the attempt ends.
struct CtSession {
  CS_CONTEXT* context = nullptr;
  CS_CONNECTION* connection = nullptr;
  bool connected = false;
  ~CtSession() {
    if (connection != nullptr) {
      if (connected) ct_close(connection, CS_FORCE_CLOSE);
      ct_con_drop(connection);
    }
    if (context != nullptr) {
      ct_exit(context, CS_FORCE_EXIT);
      cs_ctx_drop(context);
    }
  }
};

bool set_text(CS_CONNECTION* connection, CS_INT property, const std::string& value) {
  return ct_con_props(connection, CS_SET, property, const_cast<char*>(value.c_str()), CS_NULLTERM, nullptr) ==
         CS_SUCCEED;
}

}  // namespace

TdsLoginOutcome login_once(const TdsTarget& target, std::chrono::milliseconds timeout) noexcept {
  TdsLoginOutcome outcome;
  const auto start = Clock::now();
  try {
    std::string messages;
    t_messages = &messages;
    t_timed_out = false;
    struct Reset {
      ~Reset() { t_messages = nullptr; }
    } reset;

    CtSession s;
    CS_INT seconds = static_cast<CS_INT>((timeout.count() + 999) / 1000);
    if (seconds < 1) seconds = 1;
    CS_INT version = tds_version_property(target.tds_version);
    const std::string address = target.addr + " " + std::to_string(target.port);
    const bool prepared =
        cs_ctx_alloc(CS_VERSION_100, &s.context) == CS_SUCCEED && ct_init(s.context, CS_VERSION_100) == CS_SUCCEED &&
        cs_config(s.context, CS_SET, CS_MESSAGE_CB, reinterpret_cast<CS_VOID*>(&cs_message), CS_UNUSED, nullptr) ==
            CS_SUCCEED &&
        ct_callback(s.context, nullptr, CS_SET, CS_CLIENTMSG_CB, reinterpret_cast<CS_VOID*>(&client_message)) ==
            CS_SUCCEED &&
        ct_callback(s.context, nullptr, CS_SET, CS_SERVERMSG_CB, reinterpret_cast<CS_VOID*>(&server_message)) ==
            CS_SUCCEED &&
        ct_config(s.context, CS_SET, CS_LOGIN_TIMEOUT, &seconds, CS_UNUSED, nullptr) == CS_SUCCEED &&
        ct_config(s.context, CS_SET, CS_TIMEOUT, &seconds, CS_UNUSED, nullptr) == CS_SUCCEED &&
        ct_con_alloc(s.context, &s.connection) == CS_SUCCEED && set_text(s.connection, CS_USERNAME, target.user) &&
        set_text(s.connection, CS_PASSWORD, target.password) && set_text(s.connection, CS_APPNAME, "haven-check") &&
        set_text(s.connection, CS_SERVERADDR, address) &&
        ct_con_props(s.connection, CS_SET, CS_TDS_VERSION, &version, CS_UNUSED, nullptr) == CS_SUCCEED;
    if (!prepared) {
      note("FreeTDS could not prepare the connection");
    } else if (ct_connect(s.connection, nullptr, 0) == CS_SUCCEED) {
      s.connected = true;
      outcome.logged_in = true;
    }
    outcome.timed_out = t_timed_out;
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (!outcome.logged_in && outcome.elapsed >= std::chrono::seconds(seconds)) outcome.timed_out = true;
    outcome.messages = std::move(messages);
  } catch (const std::exception& e) {
    outcome.logged_in = false;
    outcome.messages = std::string("the login attempt failed: ") + e.what();
  }
  return outcome;
}

}  // namespace haven::checker_tds
