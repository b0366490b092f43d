// Did-you-mean: the closest candidate by edit distance, for error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace detour {

// Levenshtein distance, case-insensitive.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, or "" when none is close enough (distance at most
// max(2, len/3)).
std::string Suggest(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean \"x\"?)" or "" — ready to append to a message.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace detour
