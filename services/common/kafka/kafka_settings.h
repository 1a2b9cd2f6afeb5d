#pragma once

#include <map>
#include <string>

namespace fieldline {

// Where the Kafka brokers are. With `bootstrap_file` set, the bootstrap list is read from that
// file (the dev broker writes it) and re-read when it changes, and clients reconnect.
struct KafkaSettings {
  std::string bootstrap_servers;
  std::string bootstrap_file;
  std::map<std::string, std::string> extra;  // further librdkafka properties
};

}  // namespace fieldline
