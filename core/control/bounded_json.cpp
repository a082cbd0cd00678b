#include "control/bounded_json.hpp"

namespace haven {
namespace {

struct TooDeep {};

}  // namespace

Result<nlohmann::json> parse_bounded_json(std::string_view text, std::string_view what, int max_depth) {
  using Event = nlohmann::json::parse_event_t;
  // `depth` counts the containers around the one starting, so the outermost one is at 0.
  auto bound = [max_depth](int depth, Event event, nlohmann::json&) {
    if ((event == Event::object_start || event == Event::array_start) && depth >= max_depth) throw TooDeep{};
    return true;
  };
  try {
    auto j = nlohmann::json::parse(text.begin(), text.end(), bound, false);
    if (j.is_discarded()) return fail(Errc::parse_error, std::string(what) + " is not valid JSON");
    return j;
  } catch (const TooDeep&) {
    return fail(Errc::parse_error, std::string(what) + " is nested deeper than " + std::to_string(max_depth) +
                                       " levels of arrays and objects; refused");
  }
}

}  // namespace haven
