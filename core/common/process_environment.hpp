// The environment of the running process as a map, for %NAME% expansion in configurations.
#pragma once

#include <map>
#include <string>

namespace haven {

std::map<std::string, std::string> process_environment();

}  // namespace haven
