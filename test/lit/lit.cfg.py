# lit configuration for mlpc's file-based tests.
#
# Substitutions:
#   %mlpc       the compiler under test (build dir from --param mlpc_build=...)
#   %{root}     the repository root (examples/, stdlib/, docs/)
#   %mlpc-metadata-demo, %mlmd-python   for test/lit/runtime/metadata*.test
#   FileCheck, not   from Debian's llvm-14-tools
import os
import lit.formats

config.name = "mlpc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlp", ".test"]
config.excludes = ["Inputs", "lit.cfg.py"]

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = lit_config.params.get("mlpc_build", "build")
if not os.path.isabs(build):
    build = os.path.join(root, build)
mlpc = os.path.join(build, "tools", "mlpc")
if not os.path.exists(mlpc):
    lit_config.fatal(f"{mlpc} does not exist; build first (bash scripts/setup.sh)")

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(build, "test-lit")
llvm_bin = "/usr/lib/llvm-14/bin"
# `%expect-exit N cmd...`: cmd must exit with N (and not crash).
config.substitutions.append(("%expect-exit", "python3 " + os.path.join(os.path.dirname(__file__), "expect_exit.py")))
# Before %mlpc, which is a prefix of it. The MLMD interop test needs ml-metadata,
# which has a virtualenv of its own (.venv-mlmd, see scripts/setup.sh).
config.substitutions.append(("%mlpc-metadata-demo", os.path.join(build, "runtime", "metadata", "mlpc-metadata-demo")))
config.substitutions.append(("%mlmd-python", os.path.join(root, ".venv-mlmd", "bin", "python3")))
if os.path.exists(os.path.join(root, ".venv-mlmd", "bin", "python3")):
    config.available_features.add("mlmd")
config.substitutions.append(("%mlpc", mlpc))
config.substitutions.append(("%{root}", root))
config.substitutions.append(("%python", os.path.join(root, ".venv", "bin", "python3")))
config.environment["PATH"] = os.pathsep.join([llvm_bin, config.environment.get("PATH", os.environ["PATH"])])
config.environment["NO_COLOR"] = "1"
# Sanitizer builds: leaks and UB fail the test.
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]


# TFX itself, for the TFX backend's tests, and the TensorFlow and TensorFlow
# Transform it pins, for the TFRecord and TFT interop tests (.venv-tfx, made
# by scripts/setup-venv.sh tfx, which scripts/test.sh runs).
config.substitutions.append(("%{tfx_python}", os.path.join(root, ".venv-tfx", "bin", "python3")))
if os.path.exists(os.path.join(root, ".venv-tfx", ".requirements")):
    config.available_features.add("tfx")
# Apache Beam and onnxruntime, for the Dataflow backend's tests (.venv-beam,
# made by `scripts/setup-venv.sh beam`, which scripts/test.sh runs).
config.substitutions.append(("%{beam_python}", os.path.join(root, ".venv-beam", "bin", "python3")))
if os.path.exists(os.path.join(root, ".venv-beam", ".requirements")):
    config.available_features.add("beam")
# The ASan run of the suite (build-asan): heavy interop runs say
# `UNSUPPORTED: sanitized`.
if "asan" in os.path.basename(os.path.normpath(build)):
    config.available_features.add("sanitized")
