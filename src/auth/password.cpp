#include "auth/password.hpp"

#include <argon2.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace kirchhoff::auth {

using common::ErrorKind;
using common::make_error;

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

common::Status fill_random(unsigned char* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::getrandom(out + done, size - done, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return make_error(ErrorKind::kIoError,
                        std::string("no random numbers from the kernel: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return common::Status::success();
}

}  // namespace

common::Result<std::string> random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (auto status = fill_random(raw.data(), raw.size()); !status) {
    return status.error();
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

common::Result<std::string> hash_password(std::string_view password, HashCost cost) {
  unsigned char salt[kSaltBytes];
  if (auto status = fill_random(salt, sizeof salt); !status) {
    return status.error();
  }
  std::string encoded(argon2_encodedlen(cost.passes, cost.memory_kib, cost.lanes, kSaltBytes,
                                        kHashBytes, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(cost.passes, cost.memory_kib, cost.lanes, password.data(),
                                       password.size(), salt, sizeof salt, kHashBytes,
                                       encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return make_error(ErrorKind::kInvalidArgument,
                      std::string("cannot hash the password: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verify_password(std::string_view password, const std::string& encoded_hash) {
  if (encoded_hash.rfind("$argon2id$", 0) != 0) {
    return false;
  }
  return argon2id_verify(encoded_hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

common::Status check_password_rules(std::string_view password) {
  if (password.size() < 10) {
    return make_error(ErrorKind::kInvalidArgument, "a password needs at least 10 characters");
  }
  if (password.size() > 1024) {
    return make_error(ErrorKind::kInvalidArgument, "a password may have at most 1024 characters");
  }
  return common::Status::success();
}

}  // namespace kirchhoff::auth
