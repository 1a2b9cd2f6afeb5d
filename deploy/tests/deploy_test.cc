// Checks deploy/ for syntax and for consistency with the code it deploys:
//   - every YAML file parses (multi-document files too);
//   - every Kubernetes object has apiVersion, kind, metadata.name (and the fieldline namespace),
//     and kustomization.yaml lists exactly the manifests in deploy/k8s;
//   - every StatefulSet has a volumeClaimTemplate mounted at the service's data_dir and its
//     probes on the port the service listens on; every Service selects pods that exist and
//     targets ports those pods expose;
//   - the topics created by compose's kafka-topics and by the Kubernetes Job are the four
//     services' topics (TopicOf, services/common/runtime/service_runner.h) plus the dead-letter
//     topic, and every topic a service consumes (services/<name>/main.cc) is among them;
//   - the ports are the services' default ports (RunService(..., port, ...) in main.cc) and 8080
//     for the gateway, metrics on port + 1000;
//   - every flag on a command line, and every key of a service config file, is a real option
//     (the option table in services/common/runtime/service_config.cc; and `--help` of the built
//     binary when it exists and is newer than that file);
//   - the Dockerfile installs the packages scripts/lib.sh installs and every binary the
//     manifests run.
// Each check returns its problems as sentences; the *CanFail tests feed it broken copies of the
// real files and expect it to complain, so a check that can never fail is caught too.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "yaml-cpp/yaml.h"

#ifndef FIELDLINE_DEPLOY_DIR
#error "FIELDLINE_DEPLOY_DIR must name the deploy/ directory"
#endif

namespace {

namespace fs = std::filesystem;
using Problems = std::vector<std::string>;

const fs::path kDeploy = FIELDLINE_DEPLOY_DIR;
const fs::path kSource = FIELDLINE_SOURCE_DIR;
const fs::path kBinary = FIELDLINE_BINARY_DIR;

const std::vector<std::string> kServices = {"intake", "scheduling", "inventory", "callbacks"};
constexpr int kGatewayPort = 8080;
constexpr int kMetricsOffset = 1000;
const std::string kDeadLetterTopic = "fieldline.deadletter.v1";
const std::string kNamespace = "fieldline";
// The gateway's flags as announced by its author; used only while the gateway has neither a
// binary nor sources naming its flags.
const std::set<std::string> kGatewayAnnouncedFlags = {
    "--listen",   "--data-dir",  "--auth-secret-file", "--web-root", "--intake", "--scheduling",
    "--inventory", "--callbacks", "--tls-cert",        "--tls-key",  "--grpc-ca", "--help"};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Join(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// ---------------------------------------------------------------------------------------------
// What the code says

// service → default gRPC port, from RunService("<name>", <port or constant>, ...) in main.cc.
std::map<std::string, int> DefaultPorts() {
  std::map<std::string, int> ports;
  for (const std::string& service : kServices) {
    const std::string main = ReadFile(kSource / "services" / service / "main.cc");
    std::smatch m;
    if (!std::regex_search(main, m, std::regex(R"re(RunService\(\s*"(\w+)",\s*(\w+))re"))) continue;
    if (m[1] != service) continue;
    std::string value = m[2];
    if (!std::all_of(value.begin(), value.end(), ::isdigit)) {
      std::smatch c;
      if (!std::regex_search(main, c, std::regex("constexpr int " + value + R"( = (\d+))"))) continue;
      value = c[1];
    }
    ports[service] = std::stoi(value);
  }
  return ports;
}

// The topics each service consumes, from `consumed_topics = {TopicOf("x"), ...}` in main.cc.
std::map<std::string, std::set<std::string>> ConsumedTopics() {
  std::map<std::string, std::set<std::string>> consumed;
  for (const std::string& service : kServices) {
    const std::string main = ReadFile(kSource / "services" / service / "main.cc");
    const std::regex topic_of(R"(TopicOf\(\"(\w+)\"\))");
    for (auto it = std::sregex_iterator(main.begin(), main.end(), topic_of);
         it != std::sregex_iterator(); ++it) {
      consumed[service].insert("fieldline." + (*it)[1].str() + ".v1");
    }
  }
  return consumed;
}

struct ServiceOptions {
  std::set<std::string> flags;      // "--listen", ... plus --config and --help
  std::set<std::string> file_keys;  // keys allowed in the --config YAML file
};

// The option table kOptions in service_config.cc:
//   {"listen", "--listen", "HOST:PORT", Kind::kString, true, true, false, ...
ServiceOptions ServiceOptionTable() {
  const std::string text = ReadFile(kSource / "services/common/runtime/service_config.cc");
  const std::regex entry(
      R"re(\{"([a-z_]+)", "(--[a-z-]+)?", "[^"]*", Kind::k\w+, (true|false), (true|false), (true|false),)re");
  ServiceOptions options;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), entry);
       it != std::sregex_iterator(); ++it) {
    if ((*it)[2].matched) options.flags.insert((*it)[2]);
    if ((*it)[3] == "true") options.file_keys.insert((*it)[1]);
  }
  if (text.find("\"--config\"") != std::string::npos) options.flags.insert("--config");
  options.flags.insert("--help");
  return options;
}

std::optional<std::string> RunHelp(const fs::path& binary) {
  const std::string command = "'" + binary.string() + "' --help 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
  if (pclose(pipe) != 0) return std::nullopt;
  return out;
}

bool NewerThan(const fs::path& a, const fs::path& b) {
  std::error_code ec1, ec2;
  const auto ta = fs::last_write_time(a, ec1);
  const auto tb = fs::last_write_time(b, ec2);
  return !ec1 && !ec2 && ta >= tb;
}

// `--help` of a built binary, when there is one that was linked after `source` last changed
// (an older binary may predate options the manifests use).
std::optional<std::string> FreshHelp(const std::string& program, const fs::path& source) {
  std::string service = program.substr(std::string("fieldline-").size());
  const fs::path binary = kBinary / "services" / service / program;
  if (!fs::exists(binary) || !NewerThan(binary, source)) return std::nullopt;
  return RunHelp(binary);
}

// The flags the gateway accepts: from its --help when built, else the flag literals in its
// sources, else what its author announced.
std::set<std::string> GatewayFlags(std::string* where) {
  const fs::path binary = kBinary / "services/gateway/fieldline-gateway";
  if (fs::exists(binary)) {
    if (std::optional<std::string> help = RunHelp(binary)) {
      std::set<std::string> flags;
      const std::regex flag(R"((--[a-z][a-z-]+))");
      for (auto it = std::sregex_iterator(help->begin(), help->end(), flag);
           it != std::sregex_iterator(); ++it) {
        flags.insert((*it)[1]);
      }
      *where = binary.string() + " --help";
      return flags;
    }
  }
  std::set<std::string> flags;
  const fs::path dir = kSource / "services/gateway";
  if (fs::exists(dir)) {
    const std::regex literal(R"re("(--[a-z][a-z-]+)")re");
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext != ".cc" && ext != ".h") continue;
      const std::string text = ReadFile(entry.path());
      for (auto it = std::sregex_iterator(text.begin(), text.end(), literal);
           it != std::sregex_iterator(); ++it) {
        flags.insert((*it)[1]);
      }
      // main.cc adds one address flag per service in a loop: std::string("--") + service.
      if (text.find("std::string(\"--\") + service") != std::string::npos) {
        for (const std::string& service : kServices) {
          if (text.find("\"" + service + "\"") != std::string::npos) flags.insert("--" + service);
        }
      }
    }
  }
  if (flags.count("--listen") > 0) {
    flags.insert("--help");
    *where = "the flag literals in services/gateway";
    return flags;
  }
  *where = "the gateway's announced flags (no binary or flag sources yet)";
  return kGatewayAnnouncedFlags;
}

std::set<std::string> ExpectedTopics() {
  std::set<std::string> topics = {kDeadLetterTopic};
  for (const std::string& service : kServices) topics.insert("fieldline." + service + ".v1");
  return topics;
}

std::set<std::string> TopicsIn(const std::string& script) {
  std::set<std::string> topics;
  const std::regex topic(R"(fieldline\.[a-z]+\.v1)");
  for (auto it = std::sregex_iterator(script.begin(), script.end(), topic);
       it != std::sregex_iterator(); ++it) {
    topics.insert(it->str());
  }
  return topics;
}

// ---------------------------------------------------------------------------------------------
// Reading the deploy files

std::vector<fs::path> YamlFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kDeploy)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct K8sObject {
  std::string file;
  YAML::Node node;
};

// Never sort or assign these: YAML::Node's operator= writes into the node it refers to instead
// of rebinding the handle. Files are sorted first, objects only appended.
std::vector<K8sObject> LoadK8s() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kDeploy / "k8s")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".yaml" && name != "kustomization.yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<K8sObject> objects;
  for (const fs::path& file : files) {
    for (const YAML::Node& doc : YAML::LoadAllFromFile(file.string())) {
      if (doc.IsNull()) continue;
      objects.push_back({file.filename().string(), doc});
    }
  }
  return objects;
}

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    std::istringstream words(node.Scalar());
    std::string word;
    while (words >> word) out.push_back(word);
  } else if (node.IsSequence()) {
    for (const YAML::Node& item : node) out.push_back(item.Scalar());
  }
  return out;
}

// A command line as flag → value (the word after the flag, unless that is a flag too).
struct CommandLine {
  std::string program;  // basename of the first word
  std::map<std::string, std::string> flags;
  std::vector<std::string> order;  // flags as written
};

CommandLine ParseCommand(const std::vector<std::string>& words) {
  CommandLine line;
  if (words.empty()) return line;
  line.program = fs::path(words[0]).filename().string();
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i].rfind("--", 0) != 0) continue;
    std::string flag = words[i], value;
    if (const size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < words.size() && words[i + 1].rfind("--", 0) != 0) {
      value = words[i + 1];
    }
    line.flags[flag] = value;
    line.order.push_back(flag);
  }
  return line;
}

std::optional<int> PortOf(const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string port = host_port.substr(colon + 1);
  if (port.empty() || !std::all_of(port.begin(), port.end(), ::isdigit)) return std::nullopt;
  return std::stoi(port);
}

std::string ServiceOfProgram(const std::string& program) {
  const std::string prefix = "fieldline-";
  return program.rfind(prefix, 0) == 0 ? program.substr(prefix.size()) : "";
}

// Problems with the flags of one command line of `program`.
Problems CheckFlags(const std::string& where, const CommandLine& line) {
  Problems problems;
  const std::string service = ServiceOfProgram(line.program);
  std::set<std::string> known;
  std::string source;
  if (service == "gateway") {
    known = GatewayFlags(&source);
  } else if (std::find(kServices.begin(), kServices.end(), service) != kServices.end()) {
    known = ServiceOptionTable().flags;
    source = "services/common/runtime/service_config.cc";
  } else {
    problems.push_back(where + ": runs \"" + line.program + "\", which is not a Fieldline binary");
    return problems;
  }
  for (const std::string& flag : line.order) {
    if (known.count(flag) == 0) {
      problems.push_back(where + ": " + line.program + " has no option " + flag + " (checked " +
                         "against " + source + ")");
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes checks

const std::set<std::string> kClusterScoped = {"Namespace", "ClusterRole", "ClusterRoleBinding",
                                              "PersistentVolume", "StorageClass"};

Problems CheckObjectHeaders(const std::vector<K8sObject>& objects) {
  Problems problems;
  for (const K8sObject& o : objects) {
    const YAML::Node& n = o.node;
    const std::string what = o.file + ": an object";
    if (!n.IsMap()) {
      problems.push_back(what + " is not a mapping");
      continue;
    }
    for (const char* field : {"apiVersion", "kind"}) {
      if (!n[field] || !n[field].IsScalar() || n[field].Scalar().empty()) {
        problems.push_back(what + " has no " + field);
      }
    }
    if (!n["metadata"] || !n["metadata"]["name"] || n["metadata"]["name"].Scalar().empty()) {
      problems.push_back(what + " (" + (n["kind"] ? n["kind"].Scalar() : "?") +
                         ") has no metadata.name");
      continue;
    }
    const std::string kind = n["kind"] ? n["kind"].Scalar() : "";
    const std::string ns = n["metadata"]["namespace"] ? n["metadata"]["namespace"].Scalar() : "";
    if (kClusterScoped.count(kind) == 0 && ns != kNamespace) {
      problems.push_back(o.file + ": " + kind + " " + n["metadata"]["name"].Scalar() +
                         " is in namespace \"" + ns + "\", not \"" + kNamespace + "\"");
    }
  }
  return problems;
}

Problems CheckKustomization(const YAML::Node& kustomization, const std::set<std::string>& files) {
  Problems problems;
  if (kustomization["kind"].Scalar() != "Kustomization") {
    problems.push_back("kustomization.yaml: kind is not Kustomization");
  }
  std::set<std::string> listed;
  for (const YAML::Node& r : kustomization["resources"]) listed.insert(r.Scalar());
  for (const std::string& f : files) {
    if (listed.count(f) == 0) problems.push_back("kustomization.yaml does not list " + f);
  }
  for (const std::string& f : listed) {
    if (files.count(f) == 0) problems.push_back("kustomization.yaml lists " + f + ", which does not exist");
  }
  return problems;
}

const YAML::Node* FindObject(const std::vector<K8sObject>& objects, const std::string& kind,
                             const std::string& name) {
  for (const K8sObject& o : objects) {
    if (o.node["kind"].Scalar() == kind && o.node["metadata"]["name"].Scalar() == name) {
      return &o.node;
    }
  }
  return nullptr;
}

// Where a volume of a pod spec comes from: the ConfigMap it mounts, if any.
std::string ConfigMapOfVolume(const YAML::Node& pod_spec, const std::string& volume) {
  for (const YAML::Node& v : pod_spec["volumes"]) {
    if (v["name"].Scalar() == volume && v["configMap"]) return v["configMap"]["name"].Scalar();
  }
  return "";
}

// The options a container runs with: its flags, and the keys of the --config file when that
// file comes from a ConfigMap mounted into the pod (flags win, like in the binary).
Problems EffectiveOptions(const std::vector<K8sObject>& objects, const std::string& where,
                          const YAML::Node& pod_spec, const YAML::Node& container,
                          CommandLine* line, std::map<std::string, std::string>* options) {
  Problems problems;
  std::vector<std::string> words = Strings(container["command"]);
  for (const std::string& arg : Strings(container["args"])) words.push_back(arg);
  *line = ParseCommand(words);
  if (line->program.empty()) {
    problems.push_back(where + ": container " + container["name"].Scalar() + " names no command");
    return problems;
  }
  if (auto config = line->flags.find("--config"); config != line->flags.end()) {
    const fs::path file = config->second;
    std::string configmap;
    for (const YAML::Node& m : container["volumeMounts"]) {
      if (fs::path(m["mountPath"].Scalar()) == file.parent_path()) {
        configmap = ConfigMapOfVolume(pod_spec, m["name"].Scalar());
      }
    }
    const YAML::Node* cm = configmap.empty() ? nullptr : FindObject(objects, "ConfigMap", configmap);
    const std::string key = file.filename().string();
    if (cm == nullptr || !(*cm)["data"][key]) {
      problems.push_back(where + ": --config " + file.string() +
                         " is not a key of a ConfigMap mounted at " + file.parent_path().string());
    } else {
      const YAML::Node config_yaml = YAML::Load((*cm)["data"][key].Scalar());
      const std::set<std::string> allowed = ServiceOptionTable().file_keys;
      for (const auto& kv : config_yaml) {
        const std::string k = kv.first.Scalar();
        if (allowed.count(k) == 0) {
          problems.push_back(where + ": ConfigMap " + configmap + " " + key + " has key \"" + k +
                             "\", which is not a config file key (" + Join(allowed) + ")");
          continue;
        }
        (*options)[k] = kv.second.IsScalar() ? kv.second.Scalar() : "";
      }
      // A file the config names must be mounted too (policy_file, auth_secret_file).
      for (const char* file_key : {"policy_file", "auth_secret_file"}) {
        if (!config_yaml[file_key]) continue;
        const fs::path path = config_yaml[file_key].Scalar();
        bool mounted = false;
        for (const YAML::Node& m : container["volumeMounts"]) {
          if (fs::path(m["mountPath"].Scalar()) == path.parent_path()) mounted = true;
        }
        if (!mounted) {
          problems.push_back(where + ": " + file_key + " " + path.string() +
                             " is not in a mounted volume");
        }
      }
      if (config_yaml["policy_file"]) {
        const std::string policy = fs::path(config_yaml["policy_file"].Scalar()).filename();
        if (!(*cm)["data"][policy]) {
          problems.push_back(where + ": ConfigMap " + configmap + " has no " + policy);
        }
      }
    }
  }
  const std::map<std::string, std::string> flag_keys = {{"--listen", "listen"},
                                                        {"--data-dir", "data_dir"},
                                                        {"--metrics-listen", "metrics_listen"},
                                                        {"--auth-secret-file", "auth_secret_file"},
                                                        {"--brokers", "brokers"}};
  for (const auto& [flag, key] : flag_keys) {
    if (auto it = line->flags.find(flag); it != line->flags.end()) (*options)[key] = it->second;
  }
  return problems;
}

std::set<int> ContainerPorts(const YAML::Node& container, std::map<std::string, int>* by_name) {
  std::set<int> ports;
  for (const YAML::Node& p : container["ports"]) {
    const int port = p["containerPort"].as<int>();
    ports.insert(port);
    if (p["name"] && by_name) (*by_name)[p["name"].Scalar()] = port;
  }
  return ports;
}

std::optional<int> ProbePort(const YAML::Node& probe, const std::map<std::string, int>& named,
                             std::string* type) {
  for (const char* t : {"grpc", "tcpSocket", "httpGet"}) {
    if (!probe[t]) continue;
    *type = t;
    const YAML::Node& port = probe[t]["port"];
    if (!port) return std::nullopt;
    const std::string s = port.Scalar();
    if (std::all_of(s.begin(), s.end(), ::isdigit)) return std::stoi(s);
    if (auto it = named.find(s); it != named.end()) return it->second;
    return std::nullopt;
  }
  return std::nullopt;
}

Problems CheckStatefulSets(const std::vector<K8sObject>& objects,
                           const std::map<std::string, int>& default_ports) {
  Problems problems;
  std::set<std::string> seen;
  for (const K8sObject& o : objects) {
    if (o.node["kind"].Scalar() != "StatefulSet") continue;
    const std::string name = o.node["metadata"]["name"].Scalar();
    const std::string where = o.file + ": StatefulSet " + name;
    seen.insert(name);
    const YAML::Node& spec = o.node["spec"];
    const YAML::Node& pod = spec["template"]["spec"];
    if (!spec["replicas"] || spec["replicas"].as<int>() != 1) {
      problems.push_back(where + " must run exactly one replica (one RocksDB, one writer)");
    }
    // serviceName must be a headless Service selecting these pods.
    const YAML::Node* governing = FindObject(objects, "Service", spec["serviceName"].Scalar());
    if (governing == nullptr || (*governing)["spec"]["clusterIP"].Scalar() != "None") {
      problems.push_back(where + ": serviceName \"" + spec["serviceName"].Scalar() +
                         "\" is not a headless Service in deploy/k8s");
    }
    std::set<std::string> claims;
    for (const YAML::Node& t : spec["volumeClaimTemplates"]) claims.insert(t["metadata"]["name"].Scalar());
    if (claims.empty()) problems.push_back(where + " has no volumeClaimTemplate");
    if (pod["containers"].size() != 1) {
      problems.push_back(where + " should have exactly one container");
      continue;
    }
    const YAML::Node& container = pod["containers"][0];
    CommandLine line;
    std::map<std::string, std::string> options;
    for (const std::string& p : EffectiveOptions(objects, where, pod, container, &line, &options)) {
      problems.push_back(p);
    }
    for (const std::string& p : CheckFlags(where, line)) problems.push_back(p);
    const std::string service = ServiceOfProgram(line.program);
    if (service != name) {
      problems.push_back(where + " runs " + line.program + "; expected fieldline-" + name);
    }

    // The data directory is the claim's mount.
    const std::string data_dir = options.count("data_dir") ? options["data_dir"] : "";
    if (data_dir.empty()) {
      problems.push_back(where + " sets no data_dir / --data-dir (the default var/" + service +
                         " is relative to the working directory, not on the volume)");
    } else {
      bool on_claim = false;
      for (const YAML::Node& m : container["volumeMounts"]) {
        if (claims.count(m["name"].Scalar()) > 0 &&
            fs::path(m["mountPath"].Scalar()).lexically_normal() ==
                fs::path(data_dir).lexically_normal()) {
          on_claim = true;
        }
      }
      if (!on_claim) {
        problems.push_back(where + ": no volumeClaimTemplate is mounted at the data directory " +
                           data_dir);
      }
    }

    // Ports and probes.
    int expected = service == "gateway" ? kGatewayPort : 0;
    if (auto it = default_ports.find(service); it != default_ports.end()) expected = it->second;
    const std::optional<int> listen =
        options.count("listen") ? PortOf(options["listen"]) : std::optional<int>();
    if (!listen || *listen != expected) {
      problems.push_back(where + " listens on \"" + (options.count("listen") ? options["listen"] : "") +
                         "\"; the service's port is " + std::to_string(expected));
    }
    if (options.count("listen") && options["listen"].rfind("127.", 0) == 0) {
      problems.push_back(where + " listens on loopback only; probes and Services cannot reach it");
    }
    std::map<std::string, int> named;
    const std::set<int> container_ports = ContainerPorts(container, &named);
    if (container_ports.count(expected) == 0) {
      problems.push_back(where + " does not expose containerPort " + std::to_string(expected));
    }
    if (service != "gateway") {
      const std::optional<int> metrics = options.count("metrics_listen")
                                             ? PortOf(options["metrics_listen"])
                                             : std::optional<int>();
      if (!metrics || *metrics != expected + kMetricsOffset) {
        problems.push_back(where + ": metrics endpoint should be on port " +
                           std::to_string(expected + kMetricsOffset));
      } else if (container_ports.count(*metrics) == 0) {
        problems.push_back(where + " does not expose the metrics containerPort " +
                           std::to_string(*metrics));
      }
    }
    for (const char* probe : {"readinessProbe", "livenessProbe", "startupProbe"}) {
      if (!container[probe]) {
        if (std::string(probe) != "startupProbe") problems.push_back(where + " has no " + probe);
        continue;
      }
      std::string type;
      const std::optional<int> port = ProbePort(container[probe], named, &type);
      if (!port || *port != expected) {
        problems.push_back(where + ": " + probe + " is not on port " + std::to_string(expected));
      }
      if (service != "gateway" && type != "grpc") {
        problems.push_back(where + ": " + probe + " should use the gRPC health service (grpc:)");
      }
    }
    if (!container["resources"]["requests"] || !container["resources"]["limits"]) {
      problems.push_back(where + " has no resource requests and limits");
    }
  }
  for (const std::string& service : kServices) {
    if (seen.count(service) == 0) problems.push_back("deploy/k8s has no StatefulSet " + service);
  }
  if (seen.count("gateway") == 0) problems.push_back("deploy/k8s has no StatefulSet gateway");
  return problems;
}

bool Selects(const YAML::Node& selector, const YAML::Node& labels) {
  if (!selector || !selector.IsMap() || selector.size() == 0) return false;
  for (const auto& kv : selector) {
    const std::string key = kv.first.Scalar();
    if (!labels[key] || labels[key].Scalar() != kv.second.Scalar()) return false;
  }
  return true;
}

Problems CheckServices(const std::vector<K8sObject>& objects) {
  Problems problems;
  for (const K8sObject& o : objects) {
    if (o.node["kind"].Scalar() != "Service") continue;
    const std::string where = o.file + ": Service " + o.node["metadata"]["name"].Scalar();
    const YAML::Node& selector = o.node["spec"]["selector"];
    std::map<std::string, int> named;
    std::set<int> ports;
    int matches = 0;
    for (const K8sObject& w : objects) {
      const std::string kind = w.node["kind"].Scalar();
      if (kind != "StatefulSet" && kind != "Deployment" && kind != "Job" && kind != "DaemonSet") {
        continue;
      }
      const YAML::Node& tmpl = w.node["spec"]["template"];
      if (!Selects(selector, tmpl["metadata"]["labels"])) continue;
      ++matches;
      for (const YAML::Node& c : tmpl["spec"]["containers"]) {
        for (int p : ContainerPorts(c, &named)) ports.insert(p);
      }
    }
    if (matches == 0) {
      problems.push_back(where + " selects no pods of any workload in deploy/k8s");
      continue;
    }
    for (const YAML::Node& p : o.node["spec"]["ports"]) {
      const std::string target = p["targetPort"] ? p["targetPort"].Scalar() : p["port"].Scalar();
      const bool numeric = std::all_of(target.begin(), target.end(), ::isdigit);
      if ((numeric && ports.count(std::stoi(target)) == 0) || (!numeric && named.count(target) == 0)) {
        problems.push_back(where + ": targetPort " + target + " is not a port of the pods it selects");
      } else if (!numeric && named[target] != p["port"].as<int>()) {
        problems.push_back(where + ": port " + p["port"].Scalar() + " forwards to " + target + " (" +
                           std::to_string(named[target]) + "); keep them equal");
      }
    }
  }
  return problems;
}

// The topics the Job creates.
Problems CheckTopicsJob(const std::vector<K8sObject>& objects) {
  Problems problems;
  bool found = false;
  for (const K8sObject& o : objects) {
    if (o.node["kind"].Scalar() != "Job") continue;
    found = true;
    std::string script;
    for (const YAML::Node& c : o.node["spec"]["template"]["spec"]["containers"]) {
      for (const std::string& w : Strings(c["command"])) script += w + "\n";
      for (const YAML::Node& a : c["args"]) script += a.Scalar() + "\n";
    }
    const std::set<std::string> topics = TopicsIn(script);
    if (topics != ExpectedTopics()) {
      problems.push_back(o.file + ": the Job creates {" + Join(topics) + "}; expected {" +
                         Join(ExpectedTopics()) + "}");
    }
    if (script.find("kafka-topics.sh") == std::string::npos || script.find("--create") == std::string::npos) {
      problems.push_back(o.file + ": the Job does not run kafka-topics.sh --create");
    }
  }
  if (!found) problems.push_back("deploy/k8s has no Job creating the topics");
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Compose checks

Problems CheckCompose(const YAML::Node& compose, const std::map<std::string, int>& default_ports) {
  Problems problems;
  const YAML::Node& services = compose["services"];
  if (!services || !services.IsMap()) return {"compose.yaml has no services"};
  const auto has_service = [&](const std::string& name) { return static_cast<bool>(services[name]); };

  // Kafka in KRaft mode and the address the services use.
  std::string kafka_address;
  if (!has_service("kafka")) {
    problems.push_back("compose.yaml has no kafka service");
  } else {
    const YAML::Node& kafka = services["kafka"];
    if (kafka["image"].Scalar().rfind("apache/kafka:", 0) != 0) {
      problems.push_back("compose.yaml: kafka should run the official apache/kafka image");
    }
    const YAML::Node& env = kafka["environment"];
    if (!env["KAFKA_PROCESS_ROLES"] || env["KAFKA_PROCESS_ROLES"].Scalar().find("controller") ==
                                           std::string::npos) {
      problems.push_back("compose.yaml: kafka is not in KRaft mode (KAFKA_PROCESS_ROLES)");
    }
    std::smatch m;
    const std::string advertised = env["KAFKA_ADVERTISED_LISTENERS"] ? env["KAFKA_ADVERTISED_LISTENERS"].Scalar() : "";
    if (std::regex_search(advertised, m, std::regex(R"(PLAINTEXT://([^,]+))"))) kafka_address = m[1];
    if (kafka_address.rfind("kafka:", 0) != 0) {
      problems.push_back("compose.yaml: kafka does not advertise PLAINTEXT://kafka:<port> to the other containers");
    }
    const std::string voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"] ? env["KAFKA_CONTROLLER_QUORUM_VOTERS"].Scalar() : "";
    if (!env["KAFKA_NODE_ID"] || voters.rfind(env["KAFKA_NODE_ID"].Scalar() + "@", 0) != 0) {
      problems.push_back("compose.yaml: KAFKA_CONTROLLER_QUORUM_VOTERS does not name KAFKA_NODE_ID");
    }
    if (!kafka["healthcheck"]) problems.push_back("compose.yaml: kafka has no healthcheck");
  }

  // Topic creation.
  if (!has_service("kafka-topics")) {
    problems.push_back("compose.yaml has no kafka-topics service");
  } else {
    const YAML::Node& init = services["kafka-topics"];
    std::string script;
    for (const std::string& w : Strings(init["entrypoint"])) script += w + "\n";
    for (const std::string& w : Strings(init["command"])) script += w + "\n";
    const std::set<std::string> topics = TopicsIn(script);
    if (topics != ExpectedTopics()) {
      problems.push_back("compose.yaml: kafka-topics creates {" + Join(topics) + "}; expected {" +
                         Join(ExpectedTopics()) + "}");
    }
    for (const char* needle : {"kafka-topics.sh", "--create", "--partitions", "--replication-factor",
                               "min.insync.replicas", "retention.ms=-1"}) {
      if (script.find(needle) == std::string::npos) {
        problems.push_back(std::string("compose.yaml: kafka-topics does not pass ") + needle);
      }
    }
    if (init["depends_on"]["kafka"]["condition"].Scalar() != "service_healthy") {
      problems.push_back("compose.yaml: kafka-topics must wait for kafka to be healthy");
    }
  }

  const YAML::Node& secrets = compose["secrets"];
  const YAML::Node& volumes = compose["volumes"];
  std::map<std::string, int> grpc_ports;  // compose service → its gRPC port
  std::vector<std::string> app_services = kServices;
  app_services.push_back("gateway");
  for (const std::string& name : app_services) {
    const std::string where = "compose.yaml: " + name;
    if (!has_service(name)) {
      problems.push_back("compose.yaml has no service " + name);
      continue;
    }
    const YAML::Node& s = services[name];
    const CommandLine line = ParseCommand(Strings(s["command"]));
    for (const std::string& p : CheckFlags(where, line)) problems.push_back(p);
    if (line.program != "fieldline-" + name) {
      problems.push_back(where + " runs \"" + line.program + "\"; expected fieldline-" + name);
    }
    const std::vector<std::string> words = Strings(s["command"]);
    if (words.empty() || words[0] != "/opt/fieldline/bin/fieldline-" + name) {
      problems.push_back(where + ": the binary is /opt/fieldline/bin/fieldline-" + name);
    }
    if (!s["build"] || s["build"]["dockerfile"].Scalar() != "deploy/Dockerfile" ||
        !fs::exists((kDeploy / "compose" / s["build"]["context"].Scalar() / "deploy/Dockerfile"))) {
      problems.push_back(where + " is not built from deploy/Dockerfile with the repository as context");
    }
    const auto flag = [&](const std::string& f) {
      auto it = line.flags.find(f);
      return it == line.flags.end() ? std::string() : it->second;
    };
    int expected = kGatewayPort;
    if (auto it = default_ports.find(name); it != default_ports.end()) expected = it->second;
    const std::optional<int> port = PortOf(flag("--listen"));
    if (!port || *port != expected || flag("--listen").rfind("0.0.0.0:", 0) != 0) {
      problems.push_back(where + ": --listen is \"" + flag("--listen") + "\"; expected 0.0.0.0:" +
                         std::to_string(expected));
    }
    grpc_ports[name] = expected;
    bool published = false;
    for (const YAML::Node& p : s["ports"]) {
      const std::string mapping = p.Scalar();
      if (mapping.size() >= std::to_string(expected).size() + 1 &&
          mapping.compare(mapping.size() - std::to_string(expected).size() - 1, std::string::npos,
                          ":" + std::to_string(expected)) == 0) {
        published = true;
      }
    }
    if (!published) problems.push_back(where + " does not publish its port " + std::to_string(expected));

    // Data volume: a named volume at --data-dir.
    const std::string data_dir = flag("--data-dir");
    bool volume_ok = false;
    for (const YAML::Node& v : s["volumes"]) {
      const std::string spec = v.Scalar();
      const size_t colon = spec.find(':');
      if (colon == std::string::npos) continue;
      const std::string source = spec.substr(0, colon);
      const std::string target = spec.substr(colon + 1, spec.find(':', colon + 1) - colon - 1);
      if (target == data_dir && volumes && volumes.IsMap() && volumes[source]) volume_ok = true;
    }
    if (data_dir.empty() || !volume_ok) {
      problems.push_back(where + ": no named volume (declared under volumes:) is mounted at --data-dir \"" +
                         data_dir + "\"");
    }

    // The secret.
    const std::string secret_file = flag("--auth-secret-file");
    const std::string prefix = "/run/secrets/";
    const std::string secret = secret_file.rfind(prefix, 0) == 0 ? secret_file.substr(prefix.size()) : "";
    bool secret_listed = false;
    for (const YAML::Node& x : s["secrets"]) {
      if ((x.IsScalar() ? x.Scalar() : x["source"].Scalar()) == secret) secret_listed = true;
    }
    if (secret.empty() || !secret_listed || !secrets || !secrets[secret]) {
      problems.push_back(where + ": --auth-secret-file \"" + secret_file +
                         "\" is not a compose secret given to this service");
    }

    if (!s["healthcheck"] || !s["healthcheck"]["test"]) {
      problems.push_back(where + " has no healthcheck");
    }
    if (name != "gateway") {
      if (flag("--brokers") != kafka_address || kafka_address.empty()) {
        problems.push_back(where + ": --brokers is \"" + flag("--brokers") + "\"; Kafka is at " +
                           kafka_address);
      }
      const std::optional<int> metrics = PortOf(flag("--metrics-listen"));
      if (!metrics || *metrics != expected + kMetricsOffset) {
        problems.push_back(where + ": --metrics-listen should be 0.0.0.0:" +
                           std::to_string(expected + kMetricsOffset));
      }
      std::string test;
      for (const std::string& w : Strings(s["healthcheck"]["test"])) test += w + " ";
      if (!metrics || test.find(":" + std::to_string(*metrics) + "/healthz") == std::string::npos) {
        problems.push_back(where + ": the healthcheck does not ask the metrics endpoint's /healthz");
      }
      if (s["depends_on"]["kafka-topics"]["condition"].Scalar() != "service_completed_successfully") {
        problems.push_back(where + " must start after kafka-topics completed successfully");
      }
    }
  }

  // The gateway talks to the four services at their compose names and ports, once healthy.
  if (has_service("gateway")) {
    const CommandLine line = ParseCommand(Strings(services["gateway"]["command"]));
    for (const std::string& service : kServices) {
      auto it = line.flags.find("--" + service);
      const std::string want = service + ":" + std::to_string(grpc_ports[service]);
      if (it == line.flags.end() || it->second != want) {
        problems.push_back("compose.yaml: gateway should reach " + service + " at " + want);
      }
      if (services["gateway"]["depends_on"][service]["condition"].Scalar() != "service_healthy") {
        problems.push_back("compose.yaml: gateway should wait for " + service + " to be healthy");
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

Problems CheckDockerfile(const std::string& dockerfile, const std::string& lib_sh,
                         const std::set<std::string>& programs) {
  Problems problems;
  // BUILD_PACKAGES=( ... ) in lib.sh.
  std::smatch m;
  std::set<std::string> wanted;
  if (std::regex_search(lib_sh, m, std::regex(R"(BUILD_PACKAGES=\(([^)]*)\))"))) {
    for (const std::string& w : Words(m[1])) wanted.insert(w);
  }
  if (wanted.empty()) problems.push_back("scripts/lib.sh: BUILD_PACKAGES not found");
  const size_t build_from = dockerfile.find("FROM debian:12 AS build");
  const size_t runtime_from = dockerfile.find("FROM ", build_from + 1);
  if (build_from == std::string::npos || runtime_from == std::string::npos) {
    problems.push_back("deploy/Dockerfile: expected a debian:12 build stage and a runtime stage");
    return problems;
  }
  const std::string build_stage = dockerfile.substr(build_from, runtime_from - build_from);
  std::set<std::string> installed;
  for (const std::string& w : Words(build_stage)) installed.insert(w);
  for (const std::string& p : wanted) {
    if (installed.count(p) == 0) {
      problems.push_back("deploy/Dockerfile's build stage does not install " + p +
                         " (scripts/lib.sh BUILD_PACKAGES)");
    }
  }
  // The targets built (cmake --build ... --target <programs>) and the install loop
  // (for svc in <services>; do install ... fieldline-$svc /opt/fieldline/bin/).
  std::set<std::string> looped;
  if (std::regex_search(build_stage, m, std::regex(R"(for svc in ([a-z ]+);)"))) {
    for (const std::string& w : Words(m[1])) looped.insert(w);
  }
  const bool loop_installs = build_stage.find("fieldline-$svc\" /opt/fieldline/bin/") != std::string::npos;
  for (const std::string& program : programs) {
    if (build_stage.find(" " + program + " ") == std::string::npos &&
        build_stage.find(" " + program + "\n") == std::string::npos) {
      problems.push_back("deploy/Dockerfile does not build the target " + program);
    }
    const std::string service = ServiceOfProgram(program);
    if (!(loop_installs && looped.count(service) > 0) &&
        build_stage.find(program + " /opt/fieldline/bin/") == std::string::npos) {
      problems.push_back("deploy/Dockerfile does not install " + program + " into /opt/fieldline/bin");
    }
  }
  if (dockerfile.find("/opt/fieldline/bin") == std::string::npos) {
    problems.push_back("deploy/Dockerfile does not install into /opt/fieldline/bin");
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Fixtures

class Deploy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    compose_ = new YAML::Node(YAML::LoadFile((kDeploy / "compose/compose.yaml").string()));
    k8s_ = new std::vector<K8sObject>(LoadK8s());
    ports_ = new std::map<std::string, int>(DefaultPorts());
  }
  static void TearDownTestSuite() {
    delete compose_;
    delete k8s_;
    delete ports_;
  }
  static std::vector<K8sObject> CloneK8s() {
    std::vector<K8sObject> copy;
    for (const K8sObject& o : *k8s_) copy.push_back({o.file, YAML::Clone(o.node)});
    return copy;
  }
  static YAML::Node Find(std::vector<K8sObject>& objects, const std::string& kind,
                         const std::string& name) {
    for (K8sObject& o : objects) {
      if (o.node["kind"].Scalar() == kind && o.node["metadata"]["name"].Scalar() == name) return o.node;
    }
    ADD_FAILURE() << "no " << kind << " " << name;
    return YAML::Node();
  }
  static bool Mentions(const Problems& problems, const std::string& text) {
    return std::any_of(problems.begin(), problems.end(),
                       [&](const std::string& p) { return p.find(text) != std::string::npos; });
  }
  static inline YAML::Node* compose_ = nullptr;
  static inline std::vector<K8sObject>* k8s_ = nullptr;
  static inline std::map<std::string, int>* ports_ = nullptr;
};

std::string Lines(const Problems& problems) {
  std::string out;
  for (const std::string& p : problems) out += "  " + p + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// The real files

TEST(DeployFiles, EveryYamlFileParses) {
  const std::vector<fs::path> files = YamlFiles();
  ASSERT_GE(files.size(), 9u) << "expected compose.yaml and the Kubernetes manifests";
  for (const fs::path& file : files) {
    std::vector<YAML::Node> docs;
    try {
      docs = YAML::LoadAllFromFile(file.string());
    } catch (const YAML::Exception& e) {
      ADD_FAILURE() << file << " does not parse: " << e.what();
      continue;
    }
    size_t non_empty = 0;
    for (const YAML::Node& d : docs) non_empty += d.IsNull() ? 0 : 1;
    EXPECT_GT(non_empty, 0u) << file << " holds no document";
  }
}

TEST(DeployFiles, TheCodeIsWhereTheTestLooks) {
  const std::map<std::string, int> ports = DefaultPorts();
  EXPECT_EQ(ports, (std::map<std::string, int>{
                       {"intake", 7101}, {"scheduling", 7102}, {"inventory", 7103}, {"callbacks", 7104}}))
      << "the default ports in services/<name>/main.cc changed: update deploy/ to match";
  const ServiceOptions options = ServiceOptionTable();
  for (const char* flag : {"--listen", "--data-dir", "--brokers", "--auth-secret-file",
                           "--metrics-listen", "--policy-file", "--config"}) {
    EXPECT_EQ(options.flags.count(flag), 1u) << flag << " not found in service_config.cc's table";
  }
  EXPECT_EQ(options.file_keys.count("auth_secret"), 0u) << "auth_secret is environment-only";
  const std::string runner = ReadFile(kSource / "services/common/runtime/service_runner.h");
  EXPECT_NE(runner.find(R"("fieldline." + service + ".v1")"), std::string::npos)
      << "TopicOf changed: the topic names in deploy/ follow it";
}

TEST_F(Deploy, KubernetesObjectsHaveHeaders) {
  ASSERT_FALSE(k8s_->empty());
  const Problems problems = CheckObjectHeaders(*k8s_);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(Deploy, KustomizationListsEveryManifest) {
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(kDeploy / "k8s")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".yaml" && name != "kustomization.yaml") files.insert(name);
  }
  const Problems problems =
      CheckKustomization(YAML::LoadFile((kDeploy / "k8s/kustomization.yaml").string()), files);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(Deploy, StatefulSetsKeepRocksDbOnAClaimAndProbeTheServicePort) {
  const Problems problems = CheckStatefulSets(*k8s_, *ports_);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(Deploy, ServicesSelectPodsThatExist) {
  const Problems problems = CheckServices(*k8s_);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(Deploy, JobCreatesTheServiceTopicsAndTheDeadLetterTopic) {
  const Problems problems = CheckTopicsJob(*k8s_);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(Deploy, ComposeIsConsistent) {
  const Problems problems = CheckCompose(*compose_, *ports_);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
}

TEST_F(Deploy, EveryConsumedTopicIsCreated) {
  const std::set<std::string> expected = ExpectedTopics();
  const std::map<std::string, std::set<std::string>> consumed = ConsumedTopics();
  EXPECT_EQ(consumed.size(), kServices.size());
  for (const auto& [service, topics] : consumed) {
    for (const std::string& topic : topics) {
      EXPECT_EQ(expected.count(topic), 1u) << service << " consumes " << topic << ", which is not created";
    }
  }
}

TEST_F(Deploy, DockerfileBuildsWhatTheManifestsRun) {
  std::set<std::string> programs;
  for (const std::string& s : kServices) programs.insert("fieldline-" + s);
  programs.insert("fieldline-gateway");
  const Problems problems = CheckDockerfile(ReadFile(kDeploy / "Dockerfile"),
                                            ReadFile(kSource / "scripts/lib.sh"), programs);
  EXPECT_TRUE(problems.empty()) << Lines(problems);
  // Each target exists in the build (the gateway's once its author adds the executable).
  for (const std::string& s : kServices) {
    EXPECT_NE(ReadFile(kSource / "services" / s / "CMakeLists.txt").find("add_executable(fieldline-" + s),
              std::string::npos)
        << "no target fieldline-" << s;
  }
}

TEST_F(Deploy, GatewayTargetExists) {
  const fs::path cmake = kSource / "services/gateway/CMakeLists.txt";
  if (!fs::exists(cmake) || ReadFile(cmake).find("add_executable(fieldline-gateway") == std::string::npos) {
    GTEST_SKIP() << "services/gateway defines no fieldline-gateway executable yet; the Dockerfile "
                    "builds it, so the image build fails until it exists";
  }
  SUCCEED();
}

// Against the built binaries' --help, when they are newer than the option table.
TEST_F(Deploy, FlagsAppearInTheBuiltBinariesHelp) {
  const fs::path table = kSource / "services/common/runtime/service_config.cc";
  std::map<std::string, std::set<std::string>> used;  // program → flags
  for (const std::string& name : kServices) {
    const CommandLine line = ParseCommand(Strings((*compose_)["services"][name]["command"]));
    for (const std::string& f : line.order) used[line.program].insert(f);
  }
  for (const K8sObject& o : *k8s_) {
    if (o.node["kind"].Scalar() != "StatefulSet") continue;
    for (const YAML::Node& c : o.node["spec"]["template"]["spec"]["containers"]) {
      const CommandLine line = ParseCommand(Strings(c["command"]));
      for (const std::string& f : line.order) used[line.program].insert(f);
    }
  }
  int checked = 0;
  std::string skipped;
  for (const auto& [program, flags] : used) {
    if (program == "fieldline-gateway") continue;  // GatewayFlags already prefers its --help
    std::optional<std::string> help = FreshHelp(program, table);
    if (!help) {
      skipped += " " + program;
      continue;
    }
    ++checked;
    for (const std::string& flag : flags) {
      EXPECT_NE(help->find(flag + " "), std::string::npos) << program << " --help has no " << flag;
    }
  }
  if (checked == 0) {
    GTEST_SKIP() << "no built binary newer than service_config.cc (" << skipped
                 << "); the option table was checked instead";
  }
  if (!skipped.empty()) std::cout << "not built or older than the option table:" << skipped << "\n";
}

// ---------------------------------------------------------------------------------------------
// The checks can fail: broken copies of the real files are caught.

TEST_F(Deploy, ChecksCatchAWrongComposePort) {
  YAML::Node compose = YAML::Clone(*compose_);
  compose["services"]["intake"]["command"][2] = "0.0.0.0:7109";
  EXPECT_TRUE(Mentions(CheckCompose(compose, *ports_), "--listen is \"0.0.0.0:7109\""));
}

TEST_F(Deploy, ChecksCatchAMissingTopic) {
  YAML::Node compose = YAML::Clone(*compose_);
  std::string script = compose["services"]["kafka-topics"]["command"][0].Scalar();
  const size_t at = script.find("fieldline.deadletter.v1");
  ASSERT_NE(at, std::string::npos);
  script.erase(at, std::string("fieldline.deadletter.v1").size());
  compose["services"]["kafka-topics"]["command"][0] = script;
  EXPECT_TRUE(Mentions(CheckCompose(compose, *ports_), "kafka-topics creates"));

  std::vector<K8sObject> k8s = CloneK8s();
  YAML::Node job = Find(k8s, "Job", "fieldline-topics");
  std::string args = job["spec"]["template"]["spec"]["containers"][0]["args"][0].Scalar();
  args.replace(args.find("fieldline.callbacks.v1"), 22, "fieldline.callback.v1");
  job["spec"]["template"]["spec"]["containers"][0]["args"][0] = args;
  EXPECT_TRUE(Mentions(CheckTopicsJob(k8s), "the Job creates"));
}

TEST_F(Deploy, ChecksCatchAnUnknownFlag) {
  YAML::Node compose = YAML::Clone(*compose_);
  compose["services"]["scheduling"]["command"].push_back("--metrics-port");
  compose["services"]["scheduling"]["command"].push_back("8102");
  EXPECT_TRUE(Mentions(CheckCompose(compose, *ports_), "has no option --metrics-port"));

  std::vector<K8sObject> k8s = CloneK8s();
  Find(k8s, "StatefulSet", "inventory")["spec"]["template"]["spec"]["containers"][0]["command"]
      .push_back("--data-directory");
  EXPECT_TRUE(Mentions(CheckStatefulSets(k8s, *ports_), "has no option --data-directory"));

  YAML::Node gateway = Find(k8s, "StatefulSet", "gateway");
  gateway["spec"]["template"]["spec"]["containers"][0]["command"].push_back("--no-such-flag");
  EXPECT_TRUE(Mentions(CheckStatefulSets(k8s, *ports_), "has no option --no-such-flag"));
}

TEST_F(Deploy, ChecksCatchAnUnknownConfigKey) {
  std::vector<K8sObject> k8s = CloneK8s();
  YAML::Node cm = Find(k8s, "ConfigMap", "callbacks-config");
  cm["data"]["config.yaml"] = cm["data"]["config.yaml"].Scalar() + "metrics_port: 8104\n";
  EXPECT_TRUE(Mentions(CheckStatefulSets(k8s, *ports_), "\"metrics_port\", which is not a config file key"));
}

TEST_F(Deploy, ChecksCatchADataDirOffTheVolume) {
  std::vector<K8sObject> k8s = CloneK8s();
  Find(k8s, "StatefulSet", "scheduling")["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]
      ["mountPath"] = "/data";
  EXPECT_TRUE(Mentions(CheckStatefulSets(k8s, *ports_), "no volumeClaimTemplate is mounted at the data directory"));

  YAML::Node compose = YAML::Clone(*compose_);
  compose["services"]["callbacks"]["volumes"][0] = "callbacks-data:/data";
  EXPECT_TRUE(Mentions(CheckCompose(compose, *ports_), "no named volume"));
}

TEST_F(Deploy, ChecksCatchAProbeOnTheWrongPort) {
  std::vector<K8sObject> k8s = CloneK8s();
  Find(k8s, "StatefulSet", "intake")["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["grpc"]
      ["port"] = 8101;
  EXPECT_TRUE(Mentions(CheckStatefulSets(k8s, *ports_), "readinessProbe is not on port 7101"));

  std::vector<K8sObject> k8s2 = CloneK8s();
  Find(k8s2, "StatefulSet", "callbacks")["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
      ["grpc"]["port"] = 7101;
  EXPECT_TRUE(Mentions(CheckStatefulSets(k8s2, *ports_), "startupProbe is not on port 7104"));
}

TEST_F(Deploy, ChecksCatchAServiceSelectingNothing) {
  std::vector<K8sObject> k8s = CloneK8s();
  Find(k8s, "Service", "inventory")["spec"]["selector"]["app.kubernetes.io/name"] = "inventroy";
  EXPECT_TRUE(Mentions(CheckServices(k8s), "Service inventory selects no pods"));

  std::vector<K8sObject> k8s2 = CloneK8s();
  Find(k8s2, "Service", "gateway")["spec"]["ports"][0]["targetPort"] = "web";
  EXPECT_TRUE(Mentions(CheckServices(k8s2), "targetPort web"));
}

TEST_F(Deploy, ChecksCatchAnObjectWithoutAName) {
  std::vector<K8sObject> k8s = CloneK8s();
  Find(k8s, "ConfigMap", "intake-config")["metadata"].remove("name");
  EXPECT_TRUE(Mentions(CheckObjectHeaders(k8s), "has no metadata.name"));
}

TEST_F(Deploy, ChecksCatchAnUnlistedManifest) {
  YAML::Node kustomization = YAML::LoadFile((kDeploy / "k8s/kustomization.yaml").string());
  std::set<std::string> files;
  for (const YAML::Node& r : kustomization["resources"]) files.insert(r.Scalar());
  files.insert("extra.yaml");
  EXPECT_TRUE(Mentions(CheckKustomization(kustomization, files), "does not list extra.yaml"));
}

TEST_F(Deploy, ChecksCatchADockerfileMissingAPackage) {
  std::string dockerfile = ReadFile(kDeploy / "Dockerfile");
  const size_t at = dockerfile.find(" librocksdb-dev");
  ASSERT_NE(at, std::string::npos);
  dockerfile.erase(at, std::string(" librocksdb-dev").size());
  EXPECT_TRUE(Mentions(CheckDockerfile(dockerfile, ReadFile(kSource / "scripts/lib.sh"), {"fieldline-intake"}),
                       "does not install librocksdb-dev"));
}

}  // namespace
