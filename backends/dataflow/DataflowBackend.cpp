// Chooses the job, makes its parameters (flags, regexes and Flex Template
// metadata), checks what Dataflow would reject late, and assembles the
// output folder.
#include "backends/dataflow/DataflowBackend.h"

#include "backends/dataflow/Job.h"
#include "ir/Names.h"

#include <fmt/format.h>
#include <regex>
#include <set>

namespace mlpc::dataflow {

namespace {

struct EmbeddedFile {
  const char *name;
  const char *text;
};
#include "backends/dataflow/BeamModules.inc"
#include "backends/dataflow/OpsDescriptors.inc"

// Beam's own pipeline options (Beam 2.62, every PipelineOptions subclass): a
// job parameter with one of these names would shadow it.
const std::set<std::string> kBeamOptionNames = {"allow_non_deterministic_key_coders",
                                                "allow_unsafe_triggers",
                                                "artifact_endpoint",
                                                "artifact_port",
                                                "artifacts_dir",
                                                "auto_unique_labels",
                                                "autoscaling_algorithm",
                                                "azure_connection_string",
                                                "azure_managed_identity_client_id",
                                                "beam_plugins",
                                                "beam_services",
                                                "blob_service_endpoint",
                                                "cloud_build_machine_type",
                                                "create_from_snapshot",
                                                "dataflow_endpoint",
                                                "dataflow_job_file",
                                                "dataflow_kms_key",
                                                "dataflow_service_options",
                                                "default_sdk_harness_log_level",
                                                "direct_embed_docker_python",
                                                "direct_num_workers",
                                                "direct_runner_bundle_repeat",
                                                "direct_runner_use_stacked_bundle",
                                                "direct_running_mode",
                                                "direct_test_splits",
                                                "disk_size_gb",
                                                "disk_type",
                                                "docker_registry_push_url",
                                                "dry_run",
                                                "enable_artifact_caching",
                                                "enable_bucket_read_metric_counter",
                                                "enable_bucket_write_metric_counter",
                                                "enable_gcsio_blob_generation",
                                                "enable_hot_key_logging",
                                                "enable_streaming_engine",
                                                "environment_cache_millis",
                                                "environment_config",
                                                "environment_options",
                                                "environment_type",
                                                "expansion_port",
                                                "experiments",
                                                "extra_packages",
                                                "flexrs_goal",
                                                "flink_job_server_jar",
                                                "flink_master",
                                                "flink_submit_uber_jar",
                                                "flink_version",
                                                "gcp_oauth_scopes",
                                                "hdfs_full_urls",
                                                "hdfs_host",
                                                "hdfs_port",
                                                "hdfs_user",
                                                "impersonate_service_account",
                                                "jar_cache_dir",
                                                "job_endpoint",
                                                "job_name",
                                                "job_port",
                                                "job_server_java_launcher",
                                                "job_server_jvm_properties",
                                                "job_server_timeout",
                                                "labels",
                                                "machine_type",
                                                "max_cache_memory_usage_mb",
                                                "max_num_workers",
                                                "max_parallelism",
                                                "min_cpu_platform",
                                                "network",
                                                "no_auth",
                                                "no_gcsio_throttling_counter",
                                                "no_wait_until_finish",
                                                "num_workers",
                                                "number_of_worker_harness_threads",
                                                "on_success_matcher",
                                                "output_executable_path",
                                                "parallelism",
                                                "performance_runtime_type_check",
                                                "pickle_library",
                                                "pipeline_type_check",
                                                "prebuild_sdk_container_base_image",
                                                "prebuild_sdk_container_engine",
                                                "prism_beam_version_override",
                                                "prism_location",
                                                "profile_cpu",
                                                "profile_location",
                                                "profile_memory",
                                                "profile_sample_rate",
                                                "project",
                                                "pubsubRootUrl",
                                                "region",
                                                "requirements_cache",
                                                "requirements_cache_only_sources",
                                                "requirements_file",
                                                "resource_hints",
                                                "runner",
                                                "runtime_type_check",
                                                "s3_access_key_id",
                                                "s3_api_version",
                                                "s3_disable_ssl",
                                                "s3_endpoint_url",
                                                "s3_region_name",
                                                "s3_secret_access_key",
                                                "s3_session_token",
                                                "s3_verify",
                                                "save_main_session",
                                                "sdk_container_image",
                                                "sdk_harness_container_image_overrides",
                                                "sdk_harness_log_level_overrides",
                                                "sdk_location",
                                                "sdk_worker_parallelism",
                                                "service_account_email",
                                                "setup_file",
                                                "spark_job_server_jar",
                                                "spark_master_url",
                                                "spark_rest_url",
                                                "spark_submit_uber_jar",
                                                "spark_version",
                                                "staging_location",
                                                "streaming",
                                                "subnetwork",
                                                "temp_location",
                                                "template_location",
                                                "transform_name_mapping",
                                                "type_check_additional",
                                                "type_check_strictness",
                                                "update",
                                                "update_compatibility_version",
                                                "use_public_ips",
                                                "use_transform_service",
                                                "wait_until_finish_duration",
                                                "worker_harness_container_image",
                                                "worker_region",
                                                "worker_zone",
                                                "zone",
                                                "help"};

// What a parameter's value must match, whole: the same pattern in RE2
// (Dataflow), Python's re (main.py) and std::regex (mlpc build --param).
// int and float: what io.read_csv reads; strings are free text.
const std::map<std::string, std::string> kScalarRegexes = {
    {"int", "[-+]?[0-9]+"},
    {"float", "[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?|[-+]?(nan|inf|Infinity)"},
    {"bool", "true|false|True|False|TRUE|FALSE|1|0"},
    {"string", ""}};
// An artifact's URI: one line, not empty.
constexpr const char *kUriRegex = "[^\\n\\r]+";

std::string humanize(const std::string &name) {
  std::string out = name;
  for (char &c : out)
    if (c == '_' || c == '-')
      c = ' ';
  if (!out.empty())
    out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// Dataflow's job names: [a-z]([-a-z0-9]*[a-z0-9])?
std::string jobNameOf(const std::string &pipeline) {
  std::string out;
  for (char c : pipeline) {
    unsigned char u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  if (out.empty() || !std::islower(static_cast<unsigned char>(out[0])))
    out = "mlpc-" + out;
  return out;
}

std::string hexToBytes(const char *hex) {
  std::string out;
  for (size_t i = 0; hex[i] && hex[i + 1]; i += 2)
    out += static_cast<char>(std::stoi(std::string(hex + i, 2), nullptr, 16));
  return out;
}

class Builder {
public:
  Builder(const ir::Module &m, const DataflowOptions &o) : m_(m), o_(o) {}

  backend::FolderOutput run() {
    const ir::Pipeline *p = choosePipeline();
    if (!p)
      return std::move(result_);
    job_.mlpcVersion = o_.mlpcVersion;
    job_.module = &m_;
    job_.pipeline = p;
    job_.jobName = jobNameOf(p->name());
    if (!o_.image.empty())
      job_.options.set_image(o_.image);
    if (!o_.templatePath.empty())
      job_.options.set_template_path(o_.templatePath);
    for (const ir::AcceleratorProblem &problem : ir::checkDataflowAccelerator(job_.options))
      error(p->location(), problem.message, problem.help);
    if (hasErrors())
      return std::move(result_);
    job_.accelerator = ir::lowerDataflowAccelerator(job_.options);
    job_.usesGpu = job_.accelerator.gpu;
    makeParameters(*p);
    std::string mainPy = writeMainPy(job_, result_.diagnostics);
    checkPackages(*p);
    std::vector<std::pair<std::string, std::string>> params = checkParams(*p);
    if (hasErrors())
      return std::move(result_);
    std::string image =
        job_.options.image().empty()
            ? fmt::format("REGION-docker.pkg.dev/PROJECT/mlpc/{}:latest", job_.jobName)
            : job_.options.image();
    add("main.py", mainPy);
    for (const EmbeddedFile *f = kBeamModules; f->name; ++f)
      add(std::string(f->name) + ".py", f->text);
    add("mlpc_ops.binpb", hexToBytes(kOpsDescriptorsHex));
    for (const DataflowFile &f : job_.componentFiles)
      add(f.path, f.content);
    add("metadata.json", writeMetadataJson(job_));
    add("template.json", writeTemplateJson(job_, image));
    add("launch.json", writeLaunchJson(job_, image, params));
    add("Dockerfile", writeDockerfile(job_));
    add("requirements.txt", writeRequirements(job_));
    add("README.md", writeReadme(job_, image, job_.options.template_path()));
    return std::move(result_);
  }

private:
  const ir::Module &m_;
  const DataflowOptions &o_;
  backend::FolderOutput result_;
  Job job_;

  void error(const ir::SourceLocation &at, std::string message, std::string help) {
    result_.diagnostics.push_back({at, std::move(message), std::move(help), false});
  }
  bool hasErrors() const {
    for (const DataflowDiagnostic &d : result_.diagnostics)
      if (!d.warning)
        return true;
    return false;
  }
  void add(std::string path, std::string content) {
    result_.files.push_back({std::move(path), std::move(content)});
  }

  // The pipelines that are Dataflow jobs, with their options: `@dataflow`
  // pipelines, and those a `dataflow { pipeline: p }` component runs.
  std::map<std::string, ir::DataflowOptions> dataflowJobs() const {
    std::map<std::string, ir::DataflowOptions> jobs;
    for (const auto &[name, p] : m_.pipelines())
      if (p.dataflow_job())
        jobs[name] = p.dataflow();
    for (const auto &[name, c] : m_.components())
      if (c.has_dataflow() && m_.pipelines().count(c.dataflow().pipeline()))
        jobs.emplace(c.dataflow().pipeline(), c.dataflow().options());
    return jobs;
  }

  // The job: the named pipeline, else the only Dataflow job, else the root.
  const ir::Pipeline *choosePipeline() {
    std::map<std::string, ir::DataflowOptions> jobs = dataflowJobs();
    auto root = m_.pipelines().find(m_.root_pipeline());
    if (root == m_.pipelines().end())
      return nullptr;
    const ir::Pipeline *p = &root->second;
    if (!o_.pipelineNamed && jobs.size() == 1) {
      p = &m_.pipelines().at(jobs.begin()->first);
    } else if (!o_.pipelineNamed && jobs.size() > 1) {
      std::string names;
      for (const auto &[name, options] : jobs)
        names += (names.empty() ? "`" : ", `") + name + "`";
      error(p->location(), "this file has several Dataflow jobs",
            "choose the job with --pipeline: " + names);
      return nullptr;
    }
    auto options = jobs.find(p->name());
    job_.options = options != jobs.end() ? options->second : p->dataflow();
    return p;
  }

  void makeParameters(const ir::Pipeline &p) {
    std::set<std::string> names;
    auto add = [&](const ir::Parameter &decl, bool output) {
      JobParameter jp;
      jp.name = decl.name();
      jp.output = output;
      jp.artifact = decl.is_artifact() || decl.type().has_artifact();
      const char *scalar =
          decl.type().has_scalar() ? ir::scalarName(decl.type().scalar()) : nullptr;
      if (jp.artifact) {
        jp.kind = decl.type().artifact().type();
        jp.regex = kUriRegex;
        jp.paramType = output ? "GCS_WRITE_FILE" : "GCS_READ_FILE";
      } else if (scalar) {
        jp.kind = scalar;
        jp.regex = output ? kUriRegex : kScalarRegexes.at(scalar);
        jp.paramType = output                ? "GCS_WRITE_FILE"
                       : jp.kind == "bool"   ? "BOOLEAN"
                       : jp.kind == "string" ? "TEXT"
                                             : "NUMBER";
      } else {
        error(p.location(),
              fmt::format("input `{}` of Dataflow job `{}` is a list, map or record", decl.name(),
                          p.name()),
              "a job's parameters are int, float, string, bool or artifacts: pass a JSON string "
              "and read it in a Python-function component");
        return;
      }
      if (!output && decl.has_default_value())
        jp.defaultValue = decl.default_value();
      jp.optional = !output && (decl.has_default_value() || decl.optional());
      jp.label = humanize(jp.name);
      jp.help = decl.description();
      if (jp.help.empty())
        jp.help = output
                      ? fmt::format("Where the job writes its output `{}` ({}).", jp.name, jp.kind)
                      : fmt::format("The pipeline input `{}` ({}).", jp.name, jp.kind);
      else if (output)
        jp.help = "Where the job writes: " + jp.help;
      if (kBeamOptionNames.count(jp.name)) {
        error(p.location(),
              fmt::format("{} `{}` of Dataflow job `{}` has the name of a Beam pipeline option",
                          output ? "output" : "input", jp.name, p.name()),
              fmt::format("rename it: `--{}` is Beam's own flag", jp.name));
        return;
      }
      if (!names.insert(jp.name).second)
        return;
      job_.parameters.push_back(std::move(jp));
    };
    for (const ir::Parameter &in : p.interface().inputs())
      add(in, false);
    for (const ir::Parameter &out : p.interface().outputs())
      add(out, true);
  }

  // A requirement line is a package spec, never a pip option or two lines.
  void checkPackages(const ir::Pipeline &p) {
    for (const std::string &pkg : job_.packages)
      if (pkg.empty() || pkg[0] == '-' || pkg.find_first_of("\n\r") != std::string::npos)
        error(p.location(), fmt::format("package `{}` cannot be a line of requirements.txt", pkg),
              "give a package name with an optional version, like `pandas==2.2.2`");
  }

  // `mlpc build --param name=value`: known names, values matching their regex.
  std::vector<std::pair<std::string, std::string>> checkParams(const ir::Pipeline &p) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto &[name, value] : o_.params) {
      const JobParameter *jp = nullptr;
      for (const JobParameter &cand : job_.parameters)
        if (cand.name == name)
          jp = &cand;
      if (!jp) {
        std::string known;
        for (const JobParameter &cand : job_.parameters)
          known += (known.empty() ? "`" : ", `") + cand.name + "`";
        error(p.location(),
              fmt::format("--param {}: job `{}` has no parameter `{}`", name, p.name(), name),
              known.empty() ? "this job takes no parameters" : "its parameters: " + known);
        continue;
      }
      if (!jp->regex.empty() && !std::regex_match(value, std::regex(jp->regex))) {
        error(p.location(),
              fmt::format("--param {}: `{}` does not match the parameter's pattern `{}`", name,
                          value, jp->regex),
              fmt::format("`{}` is {} {}", name, jp->artifact || jp->output ? "a URI for" : "a",
                          jp->kind));
        continue;
      }
      out.emplace_back(name, value);
    }
    return out;
  }
};

} // namespace

backend::FolderOutput compileToDataflow(const ir::Module &module, const DataflowOptions &options) {
  return Builder(module, options).run();
}

} // namespace mlpc::dataflow
