#include "api/auth_api.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/password.hpp"

namespace kirchhoff::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auth::HashCost kCheap{256, 1, 1};

class AuthApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("kirchhoff_auth_api_" + std::to_string(::getpid()) + ".json"))
                .string();
    std::filesystem::remove(path_);
    auto users = auth::UserStore::open(path_);
    ASSERT_TRUE(users.ok());
    if (with_users_) {
      ASSERT_TRUE(
          users->add({"olga", auth::Role::kOwner, *auth::hash_password("olga password", kCheap), 0})
              .ok());
      ASSERT_TRUE(
          users->add({"vic", auth::Role::kViewer, *auth::hash_password("vic password!", kCheap), 0})
              .ok());
    }
    ASSERT_TRUE(users->save().ok());
    api_ = std::make_unique<AuthApi>(std::move(*users), log_, [this] { return now_; });
    api_->add_routes(router_);
    router_.add(
        "POST", "/change",
        api_->guarded(auth::Role::kOwner, true, [](const HttpRequest&, const auth::Session&) {
          return json_body(200, "{}");
        }));
  }

  HttpResponse call(const std::string& method, const std::string& path, const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers = {},
                    const std::string& remote = "10.0.0.1") {
    HttpRequest r{method, path, "", body, std::move(headers), remote, {}};
    return router_.dispatch(r);
  }

  json login(const std::string& user, const std::string& password, int expect = 200) {
    const auto r =
        call("POST", "/api/v1/login", json{{"username", user}, {"password", password}}.dump());
    EXPECT_EQ(r.status, expect) << r.body;
    return json::parse(r.body);
  }

  bool with_users_ = true;
  std::string path_;
  std::int64_t now_ = 1'000'000;
  std::ostringstream sink_;
  common::Logger log_{sink_};
  Router router_;
  std::unique_ptr<AuthApi> api_;
};

TEST_F(AuthApiTest, LoginGivesTokenCookieAndCsrf) {
  const auto r = call("POST", "/api/v1/login", R"({"username":"olga","password":"olga password"})");
  ASSERT_EQ(r.status, 200);
  const auto body = json::parse(r.body);
  EXPECT_EQ(body["role"], "owner");
  const std::string token = body["token"];
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Set-Cookie");
  EXPECT_THAT(r.headers[0].second, HasSubstr("kirchhoff_session=" + token));
  EXPECT_THAT(r.headers[0].second, HasSubstr("HttpOnly; SameSite=Strict"));
  EXPECT_EQ(call("GET", "/api/v1/me", "", {{"authorization", "Bearer " + token}}).status, 200);
  EXPECT_THAT(sink_.str(), Not(HasSubstr("olga password")));  // never log secrets
}

TEST_F(AuthApiTest, WrongPasswordUnknownUserAndBadBodies) {
  EXPECT_EQ(login("olga", "wrong password", 401)["error"], "wrong user name or password");
  EXPECT_EQ(login("nobody", "olga password", 401)["error"], "wrong user name or password");
  EXPECT_EQ(call("POST", "/api/v1/login", "not json").status, 400);
  EXPECT_THAT(call("POST", "/api/v1/login", R"({"username":"olga"})").body,
              HasSubstr("missing field 'password'"));
  EXPECT_THAT(
      call("POST", "/api/v1/login", R"({"username":"olga","password":"x","admin":"1"})").body,
      HasSubstr("unknown field 'admin'"));
  EXPECT_THAT(call("POST", "/api/v1/login", R"({"username":"olga","password":5})").body,
              HasSubstr("must be a string"));
}

TEST_F(AuthApiTest, FailedLoginsBackOffPerAddressAndUser) {
  // Three free failures from 10.0.0.1, then a fourth: a wait of 1 s.
  for (int i = 0; i < 4; ++i) {
    login("olga", "guess " + std::to_string(i), 401);
  }
  const std::string right = R"({"username":"olga","password":"olga password"})";
  // Even the right password waits from that address, with Retry-After...
  const auto r = call("POST", "/api/v1/login", right);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(r.headers[0].second, "1");
  // ...but the owner's own device elsewhere is not locked out by them.
  EXPECT_EQ(call("POST", "/api/v1/login", right, {}, "192.168.1.20").status, 200);
  now_ += 1000;
  login("olga", "olga password");
}

TEST_F(AuthApiTest, FailedLoginsAreLoggedWithABoundedName) {
  const std::string long_name(60'000, 'x');
  login(long_name, "guess", 401);
  const std::string log = sink_.str();
  EXPECT_LT(log.size(), 400u) << log;
  EXPECT_THAT(log, HasSubstr("...(60000 bytes)"));
}

// Writes the store's file as `kirchhoff user` would, with a later stamp.
void save_later(auth::UserStore& store) {
  ASSERT_TRUE(store.save().ok());
  const auto path = std::filesystem::path(store.path());
  std::filesystem::last_write_time(
      path, std::filesystem::last_write_time(path) + std::chrono::seconds(2));
}

TEST_F(AuthApiTest, APasswordChangeEndsTheAccountsSessions) {
  const auto owner = login("olga", "olga password");
  const std::vector<std::pair<std::string, std::string>> bearer = {
      {"authorization", "Bearer " + owner["token"].get<std::string>()}};
  EXPECT_EQ(call("GET", "/api/v1/me", "", bearer).status, 200);
  auto store = auth::UserStore::open(path_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(
      store->set_password_hash("olga", *auth::hash_password("new olga password", kCheap)).ok());
  save_later(*store);
  const auto r = call("GET", "/api/v1/me", "", bearer);
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.body, HasSubstr("the account changed"));
}

TEST_F(AuthApiTest, ARemovedNameAddedAgainDoesNotReviveOldSessions) {
  const auto viewer = login("vic", "vic password!");
  const std::vector<std::pair<std::string, std::string>> bearer = {
      {"authorization", "Bearer " + viewer["token"].get<std::string>()}};
  auto store = auth::UserStore::open(path_);
  ASSERT_TRUE(store.ok());
  const std::string same_hash = store->find("vic")->password_hash;
  ASSERT_TRUE(store->remove("vic").ok());
  // The same name, even the same hash, with a higher role: a new account.
  ASSERT_TRUE(store->add({"vic", auth::Role::kOwner, same_hash, 1}).ok());
  save_later(*store);
  EXPECT_EQ(call("GET", "/api/v1/me", "", bearer).status, 401);
  EXPECT_EQ(call("POST", "/change", "", bearer).status, 401);
}

TEST_F(AuthApiTest, RolesAndCsrfGuardStateChanges) {
  const auto owner = login("olga", "olga password");
  const auto viewer = login("vic", "vic password!");
  const std::string cookie = "kirchhoff_session=" + owner["token"].get<std::string>();
  // No login, unknown token.
  EXPECT_EQ(call("POST", "/change", "").status, 401);
  EXPECT_EQ(call("POST", "/change", "", {{"authorization", "Bearer nope"}}).status, 401);
  // A viewer may not change state.
  const auto denied = call("POST", "/change", "",
                           {{"authorization", "Bearer " + viewer["token"].get<std::string>()}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.body, HasSubstr("needs the role owner; you are viewer"));
  // Cookie without the CSRF header: refused; with it: allowed. Bearer needs none.
  EXPECT_EQ(call("POST", "/change", "", {{"cookie", cookie}}).status, 403);
  EXPECT_EQ(
      call("POST", "/change", "",
           {{"cookie", "a=b; " + cookie}, {"x-csrf-token", owner["csrf_token"].get<std::string>()}})
          .status,
      200);
  EXPECT_EQ(call("POST", "/change", "",
                 {{"authorization", "Bearer " + owner["token"].get<std::string>()}})
                .status,
            200);
}

TEST_F(AuthApiTest, LogoutEndsTheSession) {
  const auto owner = login("olga", "olga password");
  const std::string bearer = "Bearer " + owner["token"].get<std::string>();
  EXPECT_EQ(call("POST", "/api/v1/logout", "", {{"authorization", bearer}}).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/me", "", {{"authorization", bearer}}).status, 401);
}

// Accounts over the API: an installer "ian" beside the owner "olga" and the
// viewer "vic"; new hashes made cheap.
class AccountsTest : public AuthApiTest {
 protected:
  void SetUp() override {
    AuthApiTest::SetUp();
    api_->set_hash_cost(kCheap);
    auto store = auth::UserStore::open(path_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(
        store->add({"ian", auth::Role::kInstaller, *auth::hash_password("ian password", kCheap), 0})
            .ok());
    save_later(*store);
  }

  std::vector<std::pair<std::string, std::string>> as(const std::string& user,
                                                      const std::string& password) {
    return {{"authorization", "Bearer " + login(user, password)["token"].get<std::string>()}};
  }

  std::vector<std::pair<std::string, std::string>> events() {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : api_->take_events()) {
      EXPECT_EQ(e.t_ms, now_);
      out.emplace_back(e.user, e.message);
    }
    return out;
  }
};

TEST_F(AccountsTest, TheListHasNamesAndRolesNeverHashes) {
  const auto r = call("GET", "/api/v1/users", "", as("ian", "ian password"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body), json::parse(R"([{"user": "olga", "role": "owner"},
                                                 {"user": "vic", "role": "viewer"},
                                                 {"user": "ian", "role": "installer"}])"));
  EXPECT_THAT(r.body, Not(HasSubstr("argon2")));
  EXPECT_EQ(call("GET", "/api/v1/users", "", as("olga", "olga password")).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/users", "").status, 401);
}

TEST_F(AccountsTest, AnInstallerAddsAccountsWithTheRulesOfUserAdd) {
  const auto ian = as("ian", "ian password");
  const std::string alice = R"({"username":"alice","password":"alice password","role":"owner"})";
  const auto added = call("POST", "/api/v1/users", alice, ian);
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(json::parse(added.body), json::parse(R"({"user": "alice", "role": "owner"})"));
  EXPECT_EQ(login("alice", "alice password")["role"], "owner");
  EXPECT_NE(auth::UserStore::open(path_)->find("alice"), nullptr);  // saved
  EXPECT_EQ(call("POST", "/api/v1/users", alice, ian).status, 409);
  const std::vector<std::pair<std::string, std::string>> refused = {
      {R"({"username":"a b","password":"alice password","role":"owner"})", "letters, digits"},
      {R"({"username":"bob","password":"too short","role":"owner"})", "at least 10 characters"},
      {R"({"username":"bob","password":"bob password","role":"admin"})",
       "the role must be viewer, owner or installer"},
      {R"({"username":"bob","password":"bob password"})", "missing field 'role'"},
      {R"({"username":"bob","password":"bob password","role":"owner","id":"x"})",
       "unknown field 'id'"},
  };
  for (const auto& [body, why] : refused) {
    const auto r = call("POST", "/api/v1/users", body, ian);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_THAT(r.body, HasSubstr(why)) << body;
  }
  // Below installer, or a cookie without the CSRF token: refused.
  const std::string bob = R"({"username":"bob","password":"bob password","role":"viewer"})";
  EXPECT_EQ(call("POST", "/api/v1/users", bob, as("olga", "olga password")).status, 403);
  const auto session = login("ian", "ian password");
  EXPECT_EQ(call("POST", "/api/v1/users", bob,
                 {{"cookie", "kirchhoff_session=" + session["token"].get<std::string>()}})
                .status,
            403);
  EXPECT_EQ(auth::UserStore::open(path_)->find("bob"), nullptr);
  EXPECT_EQ(events(), (std::vector<std::pair<std::string, std::string>>{
                          {"ian", "account 'alice' added as owner"}}));
  EXPECT_THAT(sink_.str(), Not(HasSubstr("alice password")));
}

TEST_F(AccountsTest, RemovingEndsTheSessionsButNeverTheLastInstaller) {
  const auto ian = as("ian", "ian password");
  const auto vic = as("vic", "vic password!");
  EXPECT_EQ(call("GET", "/api/v1/me", "", vic).status, 200);
  const auto removed = call("DELETE", "/api/v1/users/vic", "", ian);
  EXPECT_EQ(removed.status, 204);
  EXPECT_EQ(removed.body, "");
  EXPECT_EQ(call("GET", "/api/v1/me", "", vic).status, 401);
  EXPECT_EQ(auth::UserStore::open(path_)->find("vic"), nullptr);
  EXPECT_EQ(call("DELETE", "/api/v1/users/nobody", "", ian).status, 404);
  const auto last = call("DELETE", "/api/v1/users/ian", "", ian);
  EXPECT_EQ(last.status, 409);
  EXPECT_THAT(last.body, HasSubstr("'ian' is the last installer"));
  EXPECT_EQ(call("DELETE", "/api/v1/users/olga", "", as("olga", "olga password")).status, 403);
  // With a second installer, the first may go (and his session with him).
  ASSERT_EQ(call("POST", "/api/v1/users",
                 R"({"username":"ina","password":"ina password","role":"installer"})", ian)
                .status,
            201);
  EXPECT_EQ(call("DELETE", "/api/v1/users/ian", "", ian).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/me", "", ian).status, 401);
  EXPECT_EQ(events(), (std::vector<std::pair<std::string, std::string>>{
                          {"ian", "account 'vic' removed"},
                          {"ian", "account 'ina' added as installer"},
                          {"ian", "account 'ian' removed"}}));
}

TEST_F(AccountsTest, OwnPasswordChangedAfterTheOldOneIsChecked) {
  const auto olga = as("olga", "olga password");
  const auto other_device = as("olga", "olga password");
  const std::string wrong = R"({"old_password":"not olga's","new_password":"new olga password"})";
  const auto refused = call("POST", "/api/v1/me/password", wrong, olga);
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("the old password is wrong"));
  const auto short_one = call("POST", "/api/v1/me/password",
                              R"({"old_password":"olga password","new_password":"short"})", olga);
  EXPECT_EQ(short_one.status, 400);
  EXPECT_EQ(call("POST", "/api/v1/me/password", R"({"old_password":"olga password"})", olga).status,
            400);
  const auto changed =
      call("POST", "/api/v1/me/password",
           R"({"old_password":"olga password","new_password":"new olga password"})", olga);
  ASSERT_EQ(changed.status, 200) << changed.body;
  const auto body = json::parse(changed.body);
  EXPECT_EQ(body["user"], "olga");
  ASSERT_EQ(changed.headers.size(), 1u);
  EXPECT_EQ(changed.headers[0].first, "Set-Cookie");
  // Every earlier session ends (docs/api.md); the answer's one lives.
  EXPECT_EQ(call("GET", "/api/v1/me", "", olga).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/me", "", other_device).status, 401);
  EXPECT_EQ(call("GET", "/api/v1/me", "",
                 {{"authorization", "Bearer " + body["token"].get<std::string>()}})
                .status,
            200);
  login("olga", "olga password", 401);
  login("olga", "new olga password");
  // A viewer changes their own password too.
  EXPECT_EQ(call("POST", "/api/v1/me/password",
                 R"({"old_password":"vic password!","new_password":"vic password 2"})",
                 as("vic", "vic password!"))
                .status,
            200);
  EXPECT_EQ(events(), (std::vector<std::pair<std::string, std::string>>{
                          {"olga", "account 'olga' changed its password"},
                          {"vic", "account 'vic' changed its password"}}));
  EXPECT_THAT(sink_.str(), Not(HasSubstr("new olga password")));
}

TEST_F(AccountsTest, WrongOldPasswordsBackOffLikeFailedLogins) {
  const auto vic = as("vic", "vic password!");
  const std::string wrong = R"({"old_password":"guess","new_password":"vic password 2"})";
  // Three free failures from 10.0.0.1, then a fourth: a wait of 1 s.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(call("POST", "/api/v1/me/password", wrong, vic).status, 403) << i;
  }
  const std::string right = R"({"old_password":"vic password!","new_password":"vic password 2"})";
  const auto r = call("POST", "/api/v1/me/password", right, vic);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
  EXPECT_EQ(r.headers[0].second, "1");
  // The same back-off as logins of that account from that address.
  login("vic", "vic password!", 429);
  now_ += 1000;
  EXPECT_EQ(call("POST", "/api/v1/me/password", right, vic).status, 200);
}

class SetupTest : public AuthApiTest {
 protected:
  void SetUp() override {
    with_users_ = false;
    AuthApiTest::SetUp();
  }
};

TEST_F(SetupTest, FirstAccountWithTheOneTimeCode) {
  EXPECT_EQ(call("POST", "/api/v1/setup", "{}").status, 404);  // not armed
  api_->arm_setup_code("123456");
  const std::string good = R"({"code":"123456","username":"ian","password":"installer pw 1"})";
  EXPECT_EQ(call("POST", "/api/v1/setup",
                 R"({"code":"000000","username":"ian","password":"installer pw 1"})")
                .status,
            403);
  EXPECT_THAT(
      call("POST", "/api/v1/setup", R"({"code":"123456","username":"ian","password":"short"})")
          .body,
      HasSubstr("at least 10 characters"));
  EXPECT_EQ(call("POST", "/api/v1/setup", good).status, 201);
  EXPECT_EQ(call("POST", "/api/v1/setup", good).status, 404);  // used up
  EXPECT_EQ(login("ian", "installer pw 1")["role"], "installer");
  // Saved: a new store from the file has the account.
  EXPECT_NE(auth::UserStore::open(path_)->find("ian"), nullptr);
}

}  // namespace
}  // namespace kirchhoff::api
