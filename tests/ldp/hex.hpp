#pragma once
// Bytes from hex text as RFCs and captures print it (spaces, line breaks
// and other non-hex characters are ignored), for the codec tests.
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace l2vpn::ldp::test {

inline std::vector<uint8_t> hex(const std::string& s) {
  std::vector<uint8_t> out;
  std::string digits;
  for (char c : s)
    if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
  for (size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(uint8_t(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace l2vpn::ldp::test
