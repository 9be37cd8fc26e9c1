// Password hashing with Argon2id (RFC 9106) through Debian's libargon2.
// Hashes are stored in the PHC string format
// ("$argon2id$v=19$m=12288,t=3,p=1$<salt>$<hash>"), which carries its own
// parameters and salt, so stronger settings later still verify old hashes.
// Default cost: 12 MiB, 3 passes, 1 lane, one of OWASP's equivalent minimum
// settings for Argon2id (19 MiB with 2 passes is another); the smaller block
// keeps the daemon's memory peak low during logins.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::auth {

struct HashCost {
  std::uint32_t memory_kib = 12288;
  std::uint32_t passes = 3;
  std::uint32_t lanes = 1;
};

// A fresh 16-byte salt from the kernel's random source for every hash.
common::Result<std::string> hash_password(std::string_view password, HashCost cost = {});

// Constant-time comparison inside libargon2; false for a malformed hash.
bool verify_password(std::string_view password, const std::string& encoded_hash);

// `bytes` random bytes from getrandom(2), hex-encoded (tokens, setup codes).
common::Result<std::string> random_hex(std::size_t bytes);

// Rules for a new password: at least 10 characters, at most 1024.
common::Status check_password_rules(std::string_view password);

}  // namespace kirchhoff::auth
