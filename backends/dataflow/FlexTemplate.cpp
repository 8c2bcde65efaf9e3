// The Flex Template's JSON: metadata.json (TemplateMetadata), template.json
// (ContainerSpec) and launch.json (LaunchFlexTemplateRequest), with the field
// names of Dataflow's v1b3 API (docs/design/dataflow.md §1). llvm::json
// writes them, so every user string is escaped by construction.
#include "backends/dataflow/Job.h"

#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <llvm/Support/JSON.h>
#include <llvm/Support/raw_ostream.h>

namespace mlpc::dataflow {

std::string valueText(const ir::Value &value) {
  switch (value.kind_case()) {
  case ir::Value::kIntValue:
    return std::to_string(value.int_value());
  case ir::Value::kFloatValue: {
    double d = value.float_value();
    if (std::isnan(d))
      return "nan";
    if (std::isinf(d))
      return d > 0 ? "inf" : "-inf";
    return fmt::format("{}", d);
  }
  case ir::Value::kStringValue:
    return value.string_value();
  case ir::Value::kBoolValue:
    return value.bool_value() ? "true" : "false";
  default:
    return "";
  }
}

namespace {

std::string render(const std::function<void(llvm::json::OStream &)> &body) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::json::OStream j(os, 2);
  body(j);
  os.flush();
  return text + "\n";
}

void metadataObject(llvm::json::OStream &j, const Job &job) {
  j.object([&] {
    j.attribute("name", job.pipeline->name());
    std::string description = job.pipeline->description();
    if (description.empty())
      description = fmt::format("The mlpc pipeline `{}` as a Beam job.", job.pipeline->name());
    j.attribute("description", description);
    j.attributeArray("parameters", [&] {
      for (const JobParameter &p : job.parameters)
        j.object([&] {
          j.attribute("name", p.name);
          j.attribute("label", p.label);
          j.attribute("helpText", p.help);
          j.attribute("isOptional", p.optional);
          if (!p.regex.empty())
            j.attributeArray("regexes", [&] { j.value(p.regex); });
          j.attribute("paramType", p.paramType);
          if (p.defaultValue)
            j.attribute("defaultValue", valueText(*p.defaultValue));
        });
    });
  });
}

// FlexTemplateRuntimeEnvironment: the worker options the .mlp file sets.
void environmentObject(llvm::json::OStream &j, const Job &job) {
  const ir::DataflowOptions &o = job.options;
  j.object([&] {
    auto text = [&](const char *name, const std::string &value) {
      if (!value.empty())
        j.attribute(name, value);
    };
    auto number = [&](const char *name, int64_t value) {
      if (value > 0)
        j.attribute(name, value);
    };
    number("numWorkers", o.num_workers());
    number("maxWorkers", o.max_workers());
    text("serviceAccountEmail", o.service_account());
    text("tempLocation", o.temp_location());
    text("stagingLocation", o.staging_location());
    text("machineType",
         job.accelerator.machineType.empty() ? o.machine_type() : job.accelerator.machineType);
    text("network", o.network());
    text("subnetwork", o.subnetwork());
    text("workerZone", o.worker_zone());
    number("diskSizeGb", o.disk_size_gb());
    text("sdkContainerImage", o.image());
  });
}

} // namespace

std::string writeMetadataJson(const Job &job) {
  return render([&](llvm::json::OStream &j) { metadataObject(j, job); });
}

namespace {
// ContainerSpec: template.json, or inline in a launch without a template file.
void containerSpecObject(llvm::json::OStream &j, const Job &job, const std::string &image) {
  j.object([&] {
    j.attribute("image", image);
    j.attributeObject("sdkInfo", [&] { j.attribute("language", "PYTHON"); });
    j.attributeBegin("metadata");
    metadataObject(j, job);
    j.attributeEnd();
    j.attributeBegin("defaultEnvironment");
    environmentObject(j, job);
    j.attributeEnd();
  });
}
} // namespace

std::string writeTemplateJson(const Job &job, const std::string &image) {
  return render([&](llvm::json::OStream &j) { containerSpecObject(j, job, image); });
}

std::string writeLaunchJson(const Job &job, const std::string &image,
                            const std::vector<std::pair<std::string, std::string>> &params) {
  return render([&](llvm::json::OStream &j) {
    j.object([&] {
      j.attributeObject("launchParameter", [&] {
        j.attribute("jobName", job.jobName);
        if (!job.options.template_path().empty()) {
          j.attribute("containerSpecGcsPath", job.options.template_path());
        } else {
          j.attributeBegin("containerSpec");
          containerSpecObject(j, job, image);
          j.attributeEnd();
        }
        j.attributeObject("parameters", [&] {
          for (const auto &[name, value] : params)
            j.attribute(name, value);
          // A GPU or TPU for every worker: a Beam option, passed as a parameter
          // (the launch environment has no field for it).
          if (!job.accelerator.serviceOption.empty())
            j.attribute("dataflow_service_options", job.accelerator.serviceOption);
        });
        j.attributeBegin("environment");
        environmentObject(j, job);
        j.attributeEnd();
      });
    });
  });
}

} // namespace mlpc::dataflow
