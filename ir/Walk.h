// Visiting the tasks of an IR DAG, through conditions, loops and exit handlers.
#pragma once

#include "ir/mlpc_ir.pb.h"

#include <functional>

namespace mlpc::ir {

inline void forEachTask(const Dag &dag, const std::function<void(const Task &)> &visit) {
  for (const Node &node : dag.nodes()) {
    switch (node.kind_case()) {
    case Node::kTask:
      visit(node.task());
      break;
    case Node::kCondition:
      for (const Branch &b : node.condition().branches())
        forEachTask(b.body(), visit);
      break;
    case Node::kLoop:
      forEachTask(node.loop().body(), visit);
      break;
    case Node::kExitHandler:
      forEachTask(node.exit_handler().body(), visit);
      forEachTask(node.exit_handler().exit(), visit);
      break;
    case Node::KIND_NOT_SET:
      break;
    }
  }
}

} // namespace mlpc::ir
