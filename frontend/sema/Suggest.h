// "Did you mean ...?" suggestions by edit distance.
#pragma once

#include <string>
#include <vector>

namespace mlpc::sema {

// The candidate closest to `name`, if it is close enough to be a likely typo
// (distance at most a third of the length, and at most 3); otherwise "".
std::string closestMatch(const std::string &name, const std::vector<std::string> &candidates);

} // namespace mlpc::sema
