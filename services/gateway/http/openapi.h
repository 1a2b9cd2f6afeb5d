#pragma once

// The OpenAPI 3.0 document of the gateway, generated from the protobuf descriptors: every unary
// RPC of the four services as POST /api/v1/{service}/{Method} with its request and response
// schemas, the board's event stream, and the auth and admin paths.

#include <string>

namespace google::protobuf {
class DescriptorPool;
}

namespace fieldline::gateway {

// `docs`: a pool built from a descriptor set compiled with --include_source_info, used only for
// the comments of services, methods, messages, fields and enum values (descriptions); nullptr:
// no descriptions. Schemas always come from the generated pool.
std::string BuildOpenApi(const google::protobuf::DescriptorPool* docs);

}  // namespace fieldline::gateway
