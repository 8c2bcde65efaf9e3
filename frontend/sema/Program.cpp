#include "frontend/sema/Program.h"

namespace mlpc::sema {

void Symbol::markUsed() const {
  used = true;
  for (const Symbol *alt : alternatives)
    alt->markUsed();
}

int CallableInfo::findParam(const std::string &n) const {
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].name == n)
      return static_cast<int>(i);
  return -1;
}

int CallableInfo::findOutput(const std::string &n) const {
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].name == n)
      return static_cast<int>(i);
  return -1;
}

std::vector<const CallableInfo *> Program::rootCallables() const {
  std::vector<const CallableInfo *> out;
  for (const CallableInfo &c : callables)
    if (c.module == root)
      out.push_back(&c);
  return out;
}

} // namespace mlpc::sema
