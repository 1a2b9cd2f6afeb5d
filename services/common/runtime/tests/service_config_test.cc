#include "services/common/runtime/service_config.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/core/errors.h"

namespace fieldline {
namespace {

// A fake environment: tests never read or change the real one.
class FakeEnv {
 public:
  void Set(const std::string& name, const std::string& value) { vars_[name] = value; }
  EnvLookup Lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      if (it == vars_.end()) return std::nullopt;
      return it->second;
    };
  }

 private:
  std::map<std::string, std::string> vars_;
};

class ServiceConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/fieldline-config-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  absl::StatusOr<LoadedConfig> Load(const std::vector<std::string>& args) {
    return LoadServiceConfig("intake", 7101, args, env_.Lookup());
  }

  std::string dir_;
  FakeEnv env_;
};

TEST_F(ServiceConfigTest, DefaultsNeedNoSource) {
  absl::StatusOr<LoadedConfig> loaded = Load({});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const ServiceConfig& c = loaded->config;
  EXPECT_TRUE(loaded->help.empty());
  EXPECT_EQ(c.listen, "127.0.0.1:7101");
  EXPECT_EQ(c.data_dir, "var/intake");
  EXPECT_EQ(c.brokers, "");
  EXPECT_EQ(c.brokers_file, "var/broker/bootstrap");
  EXPECT_EQ(c.auth_secret_file, "var/auth/secret");
  EXPECT_EQ(c.auth_secret, "");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_TRUE(c.relay_enabled);
  EXPECT_TRUE(c.consumer_enabled);
}

TEST_F(ServiceConfigTest, APolicyFileMustExist) {
  const std::string policy = WriteFile("policy.yaml", "sla: {}\n");
  absl::StatusOr<LoadedConfig> loaded = Load({"--policy-file", policy});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.policy_file, policy);
  EXPECT_TRUE(Load({}).value().config.policy_file.empty());

  absl::StatusOr<LoadedConfig> missing = Load({"--policy-file", dir_ + "/nope.yaml"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FieldOf(missing.status()), "policy_file");
  EXPECT_NE(missing.status().message().find("nope.yaml"), std::string::npos);
}

TEST_F(ServiceConfigTest, TheMetricsAddressIsCheckedLikeTheListenAddress) {
  EXPECT_EQ(Load({"--metrics-listen", "127.0.0.1:9101"}).value().config.metrics_listen,
            "127.0.0.1:9101");
  absl::StatusOr<LoadedConfig> bad = Load({"--metrics-listen", "nowhere"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FieldOf(bad.status()), "metrics_listen");
}

TEST_F(ServiceConfigTest, TlsNeedsBothTheCertificateAndTheKey) {
  const std::string cert = WriteFile("server.crt", "cert");
  const std::string key = WriteFile("server.key", "key");
  absl::StatusOr<LoadedConfig> both = Load({"--tls-cert-file", cert, "--tls-key-file", key});
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->config.tls_cert_file, cert);
  EXPECT_EQ(both->config.tls_key_file, key);
  absl::StatusOr<LoadedConfig> only_cert = Load({"--tls-cert-file", cert});
  ASSERT_FALSE(only_cert.ok());
  EXPECT_EQ(FieldOf(only_cert.status()), "tls_key_file");
  absl::StatusOr<LoadedConfig> missing = Load({"--tls-cert-file", dir_ + "/none.crt"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FieldOf(missing.status()), "tls_cert_file");
}

TEST_F(ServiceConfigTest, FlagsBeatEnvironmentBeatsFileBeatsDefaults) {
  const std::string file = WriteFile("c.yaml", "listen: 127.0.0.1:1001\n");
  env_.Set("FIELDLINE_INTAKE_LISTEN", "127.0.0.1:1002");

  EXPECT_EQ(Load({"--config", file, "--listen", "127.0.0.1:1003"})->config.listen,
            "127.0.0.1:1003");
  EXPECT_EQ(Load({"--config", file})->config.listen, "127.0.0.1:1002");
  env_ = FakeEnv();
  EXPECT_EQ(Load({"--config", file})->config.listen, "127.0.0.1:1001");
  EXPECT_EQ(Load({})->config.listen, "127.0.0.1:7101");
}

TEST_F(ServiceConfigTest, EachOptionTakesItsStrongestSource) {
  const std::string file = WriteFile("c.yaml",
                                     "data_dir: /from/file\n"
                                     "log_level: debug\n"
                                     "brokers_file: /file/bootstrap\n"
                                     "auth_secret_file: /file/secret\n");
  env_.Set("FIELDLINE_LOG_LEVEL", "warn");
  env_.Set("FIELDLINE_BROKERS_FILE", "/env/bootstrap");
  absl::StatusOr<LoadedConfig> loaded =
      Load({"--config=" + file, "--brokers-file", "/flag/bootstrap"});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.data_dir, "/from/file");
  EXPECT_EQ(loaded->config.log_level, "warn");
  EXPECT_EQ(loaded->config.brokers_file, "/flag/bootstrap");
  EXPECT_EQ(loaded->config.auth_secret_file, "/file/secret");
  EXPECT_EQ(loaded->config.listen, "127.0.0.1:7101");
}

TEST_F(ServiceConfigTest, TheServiceVariableBeatsTheSharedOne) {
  env_.Set("FIELDLINE_LOG_LEVEL", "warn");
  env_.Set("FIELDLINE_INTAKE_LOG_LEVEL", "debug");
  env_.Set("FIELDLINE_SCHEDULING_LISTEN", "127.0.0.1:9999");  // another service's
  absl::StatusOr<LoadedConfig> loaded = Load({});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.log_level, "debug");
  EXPECT_EQ(loaded->config.listen, "127.0.0.1:7101");
}

TEST_F(ServiceConfigTest, TheConfigFileCanBeNamedInTheEnvironment) {
  const std::string file = WriteFile("c.yaml", "data_dir: /from/env/file\n");
  env_.Set("FIELDLINE_INTAKE_CONFIG", file);
  EXPECT_EQ(Load({})->config.data_dir, "/from/env/file");
}

TEST_F(ServiceConfigTest, EverySettingCanComeFromTheFile) {
  const std::string file = WriteFile("c.yaml",
                                     "listen: 0.0.0.0:8000\n"
                                     "data_dir: d\n"
                                     "brokers: [\"a:1\", \"b:2\"]\n"
                                     "brokers_file: bf\n"
                                     "auth_secret_file: sf\n"
                                     "log_level: error\n"
                                     "relay_enabled: false\n"
                                     "consumer_enabled: no\n");
  absl::StatusOr<LoadedConfig> loaded = Load({"--config", file});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const ServiceConfig& c = loaded->config;
  EXPECT_EQ(c.listen, "0.0.0.0:8000");
  EXPECT_EQ(c.data_dir, "d");
  EXPECT_EQ(c.brokers, "a:1,b:2");
  EXPECT_EQ(c.brokers_file, "bf");
  EXPECT_EQ(c.auth_secret_file, "sf");
  EXPECT_EQ(c.log_level, "error");
  EXPECT_FALSE(c.relay_enabled);
  EXPECT_FALSE(c.consumer_enabled);
}

TEST_F(ServiceConfigTest, AnEmptyFileSetsNothing) {
  const std::string file = WriteFile("c.yaml", "");
  absl::StatusOr<LoadedConfig> loaded = Load({"--config", file});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->config.listen, "127.0.0.1:7101");
}

TEST_F(ServiceConfigTest, AnUnknownFileKeyIsRejectedByName) {
  const std::string file = WriteFile("c.yaml", "listen: 127.0.0.1:1\nlisten_adress: x\n");
  absl::StatusOr<LoadedConfig> loaded = Load({"--config", file});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("unknown key \"listen_adress\""), std::string::npos)
      << loaded.status();
}

TEST_F(ServiceConfigTest, TheSecretItselfIsNotAFileKey) {
  const std::string file = WriteFile("c.yaml", "auth_secret: hunter2\n");
  EXPECT_FALSE(Load({"--config", file}).ok());
}

TEST_F(ServiceConfigTest, ABadLogLevelIsRejectedFromEverySource) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--log-level", "verbose"}}) {
    absl::StatusOr<LoadedConfig> loaded = Load(args);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("log level \"verbose\" (from --log-level)"),
              std::string::npos)
        << loaded.status();
  }
  env_.Set("FIELDLINE_LOG_LEVEL", "loud");
  absl::StatusOr<LoadedConfig> from_env = Load({});
  ASSERT_FALSE(from_env.ok());
  EXPECT_NE(from_env.status().message().find("FIELDLINE_LOG_LEVEL"), std::string::npos);
  env_ = FakeEnv();
  const std::string file = WriteFile("c.yaml", "log_level: chatty\n");
  absl::StatusOr<LoadedConfig> from_file = Load({"--config", file});
  ASSERT_FALSE(from_file.ok());
  EXPECT_NE(from_file.status().message().find("chatty"), std::string::npos);
}

TEST_F(ServiceConfigTest, ABadListenAddressIsRejected) {
  for (const std::string bad : {"7101", "localhost", ":7101", "127.0.0.1:", "127.0.0.1:99999",
                                "127.0.0.1:http", "::1:7101"}) {
    absl::StatusOr<LoadedConfig> loaded = Load({"--listen", bad});
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_NE(loaded.status().message().find("listen address \"" + bad + "\""), std::string::npos)
        << loaded.status();
  }
  for (const std::string good : {"127.0.0.1:0", "0.0.0.0:7101", "[::1]:7101", "localhost:80"}) {
    EXPECT_TRUE(Load({"--listen", good}).ok()) << good;
  }
}

TEST_F(ServiceConfigTest, AMissingConfigFileIsRejected) {
  absl::StatusOr<LoadedConfig> loaded = Load({"--config", dir_ + "/nope.yaml"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("does not exist"), std::string::npos);
}

TEST_F(ServiceConfigTest, MalformedYamlIsRejected) {
  const std::string file = WriteFile("c.yaml", "listen: [unclosed\n");
  EXPECT_EQ(Load({"--config", file}).status().code(), absl::StatusCode::kInvalidArgument);
  const std::string list = WriteFile("l.yaml", "- listen\n");
  EXPECT_EQ(Load({"--config", list}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServiceConfigTest, AnUnknownFlagIsRejected) {
  absl::StatusOr<LoadedConfig> loaded = Load({"--lisen", "x"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServiceConfigTest, SwitchesTakeTrueOrFalse) {
  EXPECT_FALSE(Load({"--relay-enabled", "false"})->config.relay_enabled);
  env_.Set("FIELDLINE_INTAKE_CONSUMER_ENABLED", "0");
  EXPECT_FALSE(Load({})->config.consumer_enabled);
  EXPECT_FALSE(Load({"--relay-enabled", "maybe"}).ok());
}

TEST_F(ServiceConfigTest, TheSecretCanComeFromTheEnvironment) {
  env_.Set("FIELDLINE_AUTH_SECRET", "s3cret");
  EXPECT_EQ(Load({})->config.auth_secret, "s3cret");
}

TEST_F(ServiceConfigTest, HelpDescribesEveryOption) {
  absl::StatusOr<LoadedConfig> loaded = Load({"--help"});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  for (const char* text :
       {"--config", "--listen", "--data-dir", "--brokers", "--brokers-file", "--auth-secret-file",
        "--log-level", "--relay-enabled", "--consumer-enabled", "FIELDLINE_INTAKE_LISTEN",
        "FIELDLINE_LOG_LEVEL", "FIELDLINE_AUTH_SECRET", "127.0.0.1:7101", "var/intake"}) {
    EXPECT_NE(loaded->help.find(text), std::string::npos) << text << "\n" << loaded->help;
  }
}

TEST_F(ServiceConfigTest, TheSecretFileIsReadWithoutItsTrailingNewline) {
  EXPECT_EQ(*ReadAuthSecret(WriteFile("secret", "abc123\n")), "abc123");
  EXPECT_EQ(ReadAuthSecret(dir_ + "/missing").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadAuthSecret(WriteFile("empty", "\n")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace fieldline
