#pragma once
// Helpers for strict input files: a misspelt key gets "did you mean ...?".
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace l2vpn::cp {

std::string lowercase(std::string_view s);
// Levenshtein distance (insert, delete, substitute: 1 each).
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate nearest to `word` by edit distance, if nearer than `below`
// (the first on ties), else empty. Candidates whose length alone puts them
// too far are not compared, so a long garbage key costs little.
std::string_view closest_match(std::string_view word,
                               std::initializer_list<std::string_view> candidates, size_t below);

}  // namespace l2vpn::cp
