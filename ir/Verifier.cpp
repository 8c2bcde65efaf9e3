#include "ir/Verifier.h"

#include <algorithm>
#include <fmt/format.h>
#include <functional>
#include <map>
#include <set>

namespace mlpc::ir {
namespace {

// Interface lookups for a task's callee, which is a component or a pipeline.
const Interface *calleeInterface(const Module &m, const std::string &name) {
  if (auto it = m.components().find(name); it != m.components().end())
    return &it->second.interface();
  if (auto it = m.pipelines().find(name); it != m.pipelines().end())
    return &it->second.interface();
  return nullptr;
}

const Parameter *findParam(const google::protobuf::RepeatedPtrField<Parameter> &list,
                           const std::string &name) {
  for (const Parameter &p : list)
    if (p.name() == name)
      return &p;
  return nullptr;
}

class PipelineVerifier {
public:
  PipelineVerifier(const Module &m, const Pipeline &p, std::vector<std::string> &errors)
      : m_(m), p_(p), errors_(errors) {}

  void run() {
    collect(p_.body());
    walk(p_.body(), {}, false);
    for (const PipelineOutput &o : p_.outputs())
      binding(o.value(), {}, false, "output `" + o.name() + "`");
    checkAcyclic();
  }

private:
  void error(const std::string &msg) {
    errors_.push_back(fmt::format("pipeline `{}`: {}", p_.name(), msg));
  }

  void collect(const Dag &dag) {
    for (const Node &n : dag.nodes()) {
      switch (n.kind_case()) {
      case Node::kTask:
        if (!tasks_.emplace(n.task().name(), &n.task()).second)
          error(fmt::format("task name `{}` is used twice", n.task().name()));
        break;
      case Node::kCondition:
        for (const Branch &b : n.condition().branches())
          collect(b.body());
        break;
      case Node::kLoop:
        collect(n.loop().body());
        break;
      case Node::kExitHandler:
        collect(n.exit_handler().body());
        collect(n.exit_handler().exit());
        break;
      default:
        error("a node without a kind");
      }
    }
  }

  void reference(const Reference &r, const std::set<std::string> &loops, bool inExit,
                 const std::string &where) {
    switch (r.target_case()) {
    case Reference::kPipelineInput:
      if (!findParam(p_.interface().inputs(), r.pipeline_input()))
        error(fmt::format("{} refers to unknown pipeline input `{}`", where, r.pipeline_input()));
      break;
    case Reference::kTaskOutput:
      taskOutput(r.task_output(), where);
      break;
    case Reference::kLoopItem:
      if (!loops.count(r.loop_item()))
        error(fmt::format("{} uses the item of loop `{}` outside it", where, r.loop_item()));
      break;
    case Reference::kFinalStatus:
      if (!inExit)
        error(fmt::format("{} reads the final status outside an exit handler", where));
      break;
    case Reference::kRunInfo: {
      static const std::set<std::string> fields = {
          "job_name", "job_id", "job_resource_name", "task_name",
          "task_id",  "root",   "create_time",       "schedule_time"};
      if (r.field_path_size() != 1 || !fields.count(r.field_path(0)))
        error(fmt::format("{} reads run information without one known field", where));
      break;
    }
    default:
      error(fmt::format("{} has an empty reference", where));
    }
  }

  void taskOutput(const TaskOutput &to, const std::string &where) {
    auto it = tasks_.find(to.task());
    if (it == tasks_.end()) {
      error(fmt::format("{} refers to unknown task `{}`", where, to.task()));
      return;
    }
    const Interface *iface = calleeInterface(m_, it->second->component());
    if (iface && !findParam(iface->outputs(), to.output()))
      error(fmt::format("{} refers to `{}.{}`, which is not an output", where, to.task(),
                        to.output()));
  }

  void expr(const Expr &e, const std::set<std::string> &loops, bool inExit,
            const std::string &where) {
    switch (e.kind_case()) {
    case Expr::kRef:
      reference(e.ref(), loops, inExit, where);
      break;
    case Expr::kUnary:
      expr(e.unary().operand(), loops, inExit, where);
      break;
    case Expr::kBinary:
      expr(e.binary().lhs(), loops, inExit, where);
      expr(e.binary().rhs(), loops, inExit, where);
      break;
    case Expr::kConcat:
      for (const Expr &p : e.concat().parts())
        expr(p, loops, inExit, where);
      break;
    case Expr::kList:
      for (const Expr &p : e.list().elements())
        expr(p, loops, inExit, where);
      break;
    case Expr::kMap:
      for (auto &[k, v] : e.map().entries())
        expr(v, loops, inExit, where);
      break;
    case Expr::kIndex:
      expr(e.index().base(), loops, inExit, where);
      expr(e.index().index(), loops, inExit, where);
      break;
    case Expr::kConstant:
      break;
    default:
      error(fmt::format("{} has an empty expression", where));
    }
  }

  void binding(const Binding &b, const std::set<std::string> &loops, bool inExit,
               const std::string &where) {
    if (b.has_expr())
      expr(b.expr(), loops, inExit, where);
    else if (b.has_one_of())
      for (const TaskOutput &to : b.one_of().alternatives())
        taskOutput(to, where);
    else
      error(fmt::format("{} has an empty binding", where));
  }

  void walk(const Dag &dag, std::set<std::string> loops, bool inExit) {
    for (const Node &n : dag.nodes()) {
      if (n.has_task()) {
        const Task &t = n.task();
        std::string where = fmt::format("input of task `{}`", t.name());
        const Interface *iface = calleeInterface(m_, t.component());
        if (!iface) {
          error(fmt::format("task `{}` calls unknown component `{}`", t.name(), t.component()));
          continue;
        }
        for (auto &[name, b] : t.inputs()) {
          if (!findParam(iface->inputs(), name))
            error(fmt::format("task `{}` binds `{}`, which `{}` does not take", t.name(), name,
                              t.component()));
          binding(b, loops, inExit, where + " `" + name + "`");
        }
        for (const Parameter &p : iface->inputs())
          if (!p.optional() && !t.inputs().count(p.name()))
            error(fmt::format("task `{}` does not bind required input `{}`", t.name(), p.name()));
        for (const std::string &a : t.after())
          if (!tasks_.count(a))
            error(fmt::format("task `{}` runs after unknown task `{}`", t.name(), a));
      } else if (n.has_condition()) {
        for (const Branch &b : n.condition().branches()) {
          if (b.has_condition())
            expr(b.condition(), loops, inExit, "condition " + n.condition().id());
          walk(b.body(), loops, inExit);
        }
      } else if (n.has_loop()) {
        expr(n.loop().items(), loops, inExit, "items of " + n.loop().id());
        if (n.loop().parallelism() < 0)
          error(fmt::format("{} has a negative parallelism", n.loop().id()));
        std::set<std::string> inner = loops;
        inner.insert(n.loop().id());
        walk(n.loop().body(), inner, inExit);
      } else if (n.has_exit_handler()) {
        walk(n.exit_handler().body(), loops, inExit);
        walk(n.exit_handler().exit(), loops, true);
      }
    }
  }

  // Data and `after` edges between tasks must not form a cycle.
  void checkAcyclic() {
    std::map<std::string, std::set<std::string>> deps;
    std::function<void(const Expr &, std::set<std::string> &)> refs =
        [&](const Expr &e, std::set<std::string> &out) {
          if (e.has_ref() && e.ref().has_task_output())
            out.insert(e.ref().task_output().task());
          if (e.has_unary())
            refs(e.unary().operand(), out);
          if (e.has_binary()) {
            refs(e.binary().lhs(), out);
            refs(e.binary().rhs(), out);
          }
          if (e.has_concat())
            for (const Expr &p : e.concat().parts())
              refs(p, out);
          if (e.has_list())
            for (const Expr &p : e.list().elements())
              refs(p, out);
          if (e.has_map())
            for (auto &[k, v] : e.map().entries())
              refs(v, out);
          if (e.has_index()) {
            refs(e.index().base(), out);
            refs(e.index().index(), out);
          }
        };
    for (auto &[name, t] : tasks_) {
      std::set<std::string> &d = deps[name];
      for (auto &[in, b] : t->inputs()) {
        if (b.has_expr())
          refs(b.expr(), d);
        for (const TaskOutput &to : b.one_of().alternatives())
          d.insert(to.task());
      }
      d.insert(t->after().begin(), t->after().end());
    }
    std::map<std::string, int> state;
    std::function<bool(const std::string &)> visit = [&](const std::string &n) {
      if (state[n] == 1)
        return false;
      if (state[n] == 2)
        return true;
      state[n] = 1;
      for (const std::string &d : deps[n])
        if (!visit(d))
          return false;
      state[n] = 2;
      return true;
    };
    for (auto &[name, t] : tasks_)
      if (!visit(name)) {
        error(fmt::format("tasks depend on each other in a cycle through `{}`", name));
        return;
      }
  }

  const Module &m_;
  const Pipeline &p_;
  std::vector<std::string> &errors_;
  std::map<std::string, const Task *> tasks_;
};

} // namespace

std::vector<std::string> verifyModule(const Module &module) {
  std::vector<std::string> errors;
  if (!module.pipelines().count(module.root_pipeline()))
    errors.push_back(
        fmt::format("root pipeline `{}` is not in the module", module.root_pipeline()));
  for (auto &[name, c] : module.components()) {
    if (c.implementation_case() == Component::IMPLEMENTATION_NOT_SET)
      errors.push_back(fmt::format("component `{}` has no implementation", name));
    if (c.has_container() && c.container().image().empty())
      errors.push_back(fmt::format("component `{}` has a container without an image", name));
    if (c.has_dataflow() && !c.dataflow().pipeline().empty() &&
        !module.pipelines().count(c.dataflow().pipeline()))
      errors.push_back(
          fmt::format("component `{}` runs unknown pipeline `{}`", name, c.dataflow().pipeline()));
    for (const Parameter &p : c.interface().inputs())
      if (p.type().kind_case() == Type::KIND_NOT_SET)
        errors.push_back(fmt::format("component `{}`: input `{}` has no type", name, p.name()));
    for (const Parameter &p : c.interface().outputs())
      if (p.type().kind_case() == Type::KIND_NOT_SET)
        errors.push_back(fmt::format("component `{}`: output `{}` has no type", name, p.name()));
  }
  for (auto &[name, p] : module.pipelines())
    PipelineVerifier(module, p, errors).run();
  return errors;
}

} // namespace mlpc::ir
