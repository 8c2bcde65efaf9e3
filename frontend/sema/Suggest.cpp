#include "frontend/sema/Suggest.h"

#include <algorithm>
#include <llvm/ADT/StringRef.h>

namespace mlpc::sema {

std::string closestMatch(const std::string &name, const std::vector<std::string> &candidates) {
  unsigned limit = std::min<unsigned>(3, std::max<size_t>(1, name.size() / 3));
  std::string best;
  unsigned bestDistance = limit + 1;
  for (const std::string &c : candidates) {
    if (c == name || c.empty())
      continue;
    unsigned d = llvm::StringRef(name).edit_distance(c, true, limit + 1);
    // Case-only differences are always worth suggesting.
    if (llvm::StringRef(name).equals_insensitive(c))
      d = 0;
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

} // namespace mlpc::sema
