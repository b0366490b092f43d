// Text helpers behind classify.cc: error-envelope extraction and header value parsing.
// Internal to providers/ (other provider folders may reuse them). Pure, thread-safe,
// never throw.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "model/types.h"

namespace detour {

// The fields classification looks at, whatever envelope shape the upstream used.
struct ErrorEnvelope {
  std::string message;
  std::string code;        // string form of error.code ("429" for a numeric 429)
  std::string type;
  std::string param;
  std::string inner_code;  // Azure innererror.code / inner_error.code
  int numeric_code = 0;    // error.code read as a number (429, "500"), else 0
};

// Body of a non-2xx answer. Looks for error.message, then message, then detail, then the
// raw text (cut short, whitespace-trimmed).
ErrorEnvelope ParseEnvelope(std::string_view body);
// The value of an "error" key (object or string).
ErrorEnvelope EnvelopeFromError(const Json& error);

std::string ToLower(std::string_view text);
// A whole, non-negative decimal number ("6", " 1.5 "); nullopt otherwise.
std::optional<double> ParseNonNegative(std::string_view text);
// RFC 9110 HTTP-date (IMF-fixdate, plus the obsolete RFC 850 and asctime forms).
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view text);

}  // namespace detour
