#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "auth/password.hpp"
#include "auth/sessions.hpp"
#include "auth/users.hpp"

namespace kirchhoff::auth {
namespace {

using ::testing::HasSubstr;

// Tests hash with a small cost to stay fast; one test uses the default.
constexpr HashCost kCheap{256, 1, 1};

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kirchhoff_auth_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(Password, HashVerifiesAndSaltsDiffer) {
  const auto a = hash_password("correct horse battery", kCheap);
  const auto b = hash_password("correct horse battery", kCheap);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rfind("$argon2id$v=19$m=256,t=1,p=1$", 0), 0u);
  EXPECT_NE(*a, *b);  // fresh salt each time
  EXPECT_TRUE(verify_password("correct horse battery", *a));
  EXPECT_FALSE(verify_password("correct horse batterY", *a));
  EXPECT_FALSE(verify_password("x", "not a hash"));
  EXPECT_FALSE(verify_password("x", "$argon2i$v=19$m=256,t=1,p=1$AAAA$BBBB"));
}

TEST(Password, DefaultCostIsArgon2idAtOwaspMinimum) {
  const auto h = hash_password("a long enough password");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$v=19$m=12288,t=3,p=1$", 0), 0u);
  EXPECT_TRUE(verify_password("a long enough password", *h));
}

TEST(Password, Rules) {
  EXPECT_FALSE(check_password_rules("short").ok());
  EXPECT_TRUE(check_password_rules("ten chars!").ok());
  EXPECT_FALSE(check_password_rules(std::string(1025, 'x')).ok());
  const auto token = random_hex(32);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->size(), 64u);
}

TEST(UserStore, RoundTripWithPrivateFileMode) {
  const std::string path = temp_path("users_roundtrip.json");
  std::filesystem::remove(path);
  {
    auto store = UserStore::open(path);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE(store->empty());
    ASSERT_TRUE(
        store->add({"anna", Role::kOwner, *hash_password("anna's password", kCheap), 1}).ok());
    ASSERT_TRUE(
        store->add({"ian", Role::kInstaller, *hash_password("ian's password", kCheap), 2}).ok());
    EXPECT_FALSE(store->add({"anna", Role::kViewer, "x", 3}).ok());
    EXPECT_FALSE(store->add({"bad name", Role::kViewer, "x", 3}).ok());
    ASSERT_TRUE(store->save().ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto store = UserStore::open(path);
  ASSERT_TRUE(store.ok());
  ASSERT_EQ(store->users().size(), 2u);
  EXPECT_EQ(store->find("ian")->role, Role::kInstaller);
  EXPECT_TRUE(verify_password("anna's password", store->find("anna")->password_hash));
  ASSERT_TRUE(store->remove("anna").ok());
  EXPECT_FALSE(store->remove("anna").ok());
}

TEST(UserStore, DamagedFileIsReportedAndLeftAlone) {
  const std::string path = temp_path("users_damaged.json");
  std::ofstream(path) << "{\"users\": [{\"name\": \"x\"}]";  // truncated
  const auto store = UserStore::open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, common::ErrorKind::kCorruption);
  EXPECT_THAT(store.error().message, HasSubstr("left untouched"));
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"users\": [{\"name\": \"x\"}]");
}

TEST(Roles, AreOrdered) {
  EXPECT_LT(Role::kViewer, Role::kOwner);
  EXPECT_LT(Role::kOwner, Role::kInstaller);
  EXPECT_EQ(parse_role("owner"), Role::kOwner);
  EXPECT_FALSE(parse_role("admin").has_value());
}

TEST(Sessions, ExpireWhenIdleAndAtMaximumAge) {
  std::int64_t now = 1'000'000;
  SessionManager sessions([&] { return now; });
  const auto s = sessions.create(User{"anna", Role::kOwner, "hash-a", 0, "id-anna"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->token.size(), 64u);
  EXPECT_NE(s->token, s->csrf_token);
  now += SessionManager::kIdleMs - 1;
  ASSERT_TRUE(sessions.find(s->token).has_value());  // use refreshes the idle timer
  now += SessionManager::kIdleMs - 1;
  ASSERT_TRUE(sessions.find(s->token).has_value());
  now += SessionManager::kIdleMs + 1;
  EXPECT_FALSE(sessions.find(s->token).has_value());

  const auto t = sessions.create(User{"anna", Role::kOwner, "hash-a", 0, "id-anna"});
  // Used every 11 h, never idle for 12 h: the last check in round 8 is at
  // 7 * 22 + 11 = 165 h, still under 168 h; round 8 ends at 176 h.
  for (int round = 0; round < 8; ++round) {
    now += 11LL * 3600 * 1000;
    ASSERT_TRUE(sessions.find(t->token).has_value());
    now += 11LL * 3600 * 1000;
    sessions.find(t->token);
  }
  EXPECT_FALSE(sessions.find(t->token).has_value());  // 176 h: over 7 days old
}

TEST(Sessions, RevokeOneOrAllOfAUser) {
  SessionManager sessions;
  const auto a = sessions.create(User{"anna", Role::kOwner, "hash-a", 0, "id-anna"});
  const auto b = sessions.create(User{"anna", Role::kOwner, "hash-a", 0, "id-anna"});
  const auto c = sessions.create(User{"ian", Role::kInstaller, "hash-i", 0, "id-ian"});
  sessions.revoke(a->token);
  EXPECT_FALSE(sessions.find(a->token).has_value());
  EXPECT_TRUE(sessions.find(b->token).has_value());
  sessions.revoke_user("anna");
  EXPECT_FALSE(sessions.find(b->token).has_value());
  EXPECT_TRUE(sessions.find(c->token).has_value());
}

TEST(Sessions, CarryTheAccountIdAndCredentialOfTheLogin) {
  SessionManager sessions;
  const auto s = sessions.create(User{"anna", Role::kOwner, "hash-a", 0, "id-anna"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->user_id, "id-anna");
  EXPECT_EQ(s->credential, "hash-a");
  EXPECT_EQ(s->role, Role::kOwner);
}

TEST(LoginThrottle, BacksOffExponentiallyAfterTheFreeFailures) {
  std::int64_t now = 0;
  LoginThrottle throttle([&] { return now; }, 3);
  // Three free failures: no wait.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(throttle.retry_after_ms("anna"), 0);
    throttle.failure("anna");
  }
  EXPECT_EQ(throttle.retry_after_ms("anna"), 0);
  // Then 1 s, 2 s, 4 s, 8 s: each failure doubles the wait.
  for (std::int64_t expected : {1000, 2000, 4000, 8000}) {
    throttle.failure("anna");
    EXPECT_EQ(throttle.retry_after_ms("anna"), expected);
    now += expected;
    EXPECT_EQ(throttle.retry_after_ms("anna"), 0);
  }
  EXPECT_EQ(throttle.retry_after_ms("ian"), 0);  // keys are independent
  throttle.success("anna");
  EXPECT_EQ(throttle.retry_after_ms("anna"), 0);
}

TEST(LoginThrottle, WaitsAreCappedAtFifteenMinutes) {
  std::int64_t now = 0;
  LoginThrottle throttle([&] { return now; }, 0);
  for (int i = 0; i < 100; ++i) {
    throttle.failure("x");
  }
  EXPECT_EQ(throttle.retry_after_ms("x"), LoginThrottle::kMaxDelayMs);
}

TEST(LoginThrottle, ForgetsAfterAQuietQuarterHourAndStaysBounded) {
  std::int64_t now = 0;
  LoginThrottle throttle([&] { return now; }, 3, 100);
  for (int i = 0; i < 1000; ++i) {
    throttle.failure("address " + std::to_string(i));
    now += 10;
  }
  EXPECT_LE(throttle.size(), 100u);
  // The newest keys are kept, the oldest made room.
  throttle.failure("address 999");
  throttle.failure("address 999");
  throttle.failure("address 999");
  EXPECT_EQ(throttle.retry_after_ms("address 999"), 1000);  // its 4th failure
  now += LoginThrottle::kForgetMs;
  EXPECT_EQ(throttle.retry_after_ms("address 999"), 0);
  throttle.failure("address 999");  // counted from one again: free
  EXPECT_EQ(throttle.retry_after_ms("address 999"), 0);
}

}  // namespace
}  // namespace kirchhoff::auth
