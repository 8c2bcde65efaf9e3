// Resource quantities as .mlp writes them (Kubernetes notation), in the
// units the targets' specs use. Shared by the KFP and TFX backends.
#pragma once

#include <cctype>
#include <map>
#include <string>

namespace mlpc::ir {

// "2", "0.5", "500m" -> cores.
inline double cpuCores(const std::string &q) {
  if (!q.empty() && q.back() == 'm')
    return std::stod(q.substr(0, q.size() - 1)) / 1000;
  return std::stod(q);
}

// "4Gi", "512M", "1000" -> gigabytes (10^9 bytes), as the SDK writes memoryLimit.
inline double memoryGigabytes(const std::string &q) {
  static const std::map<std::string, double> units = {{"", 1},
                                                      {"K", 1e3},
                                                      {"M", 1e6},
                                                      {"G", 1e9},
                                                      {"T", 1e12},
                                                      {"P", 1e15},
                                                      {"E", 1e18},
                                                      {"Ki", 1024.0},
                                                      {"Mi", 1048576.0},
                                                      {"Gi", 1073741824.0},
                                                      {"Ti", 1099511627776.0},
                                                      {"Pi", 1125899906842624.0},
                                                      {"Ei", 1152921504606846976.0}};
  size_t i = q.find_first_not_of("0123456789.");
  std::string unit = i == std::string::npos ? "" : q.substr(i);
  if (unit.size() == 1)
    unit[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
  auto it = units.find(unit);
  return std::stod(q.substr(0, i)) * (it == units.end() ? 1 : it->second) / 1e9;
}

} // namespace mlpc::ir
