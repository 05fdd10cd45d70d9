#pragma once
// Helpers for strict input files: a misspelt key gets "did you mean ...?".
#include <cstddef>
#include <string>
#include <string_view>

namespace l2vpn::cp {

std::string lowercase(std::string_view s);
// Levenshtein distance (insert, delete, substitute: 1 each).
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace l2vpn::cp
