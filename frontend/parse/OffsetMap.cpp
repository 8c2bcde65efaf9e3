#include "frontend/parse/OffsetMap.h"

namespace mlpc::parse {

OffsetMap::OffsetMap(source::FileId file, std::string_view text, uint32_t byteBase)
    : file_(file), byteBase_(byteBase), size_(text.size()) {
  bool ascii = true;
  for (unsigned char c : text)
    if (c >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii)
    return;
  for (uint32_t i = 0; i < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
      cpToByte_.push_back(i);
  cpToByte_.push_back(static_cast<uint32_t>(text.size()));
}

} // namespace mlpc::parse
