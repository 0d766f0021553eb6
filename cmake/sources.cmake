# The one list of spmi's library sources, by folder, as absolute paths: the
# main build (CMakeLists.txt) and the fuzz build (fuzz/CMakeLists.txt) both
# include this file, so a file added here is compiled by both. The wrapper's
# own sources and the CLI's command files stay in CMakeLists.txt (only the
# main build has them).
get_filename_component(SPMI_SRC "${CMAKE_CURRENT_LIST_DIR}/../src" ABSOLUTE)

# Shared by the CLI and the resident wrapper.
set(SPMI_COMMON_SOURCES
  ${SPMI_SRC}/common/atomic_file.cc
  ${SPMI_SRC}/common/byte_size.cc
  ${SPMI_SRC}/common/cgroup.cc
  ${SPMI_SRC}/common/child_setup.cc
  ${SPMI_SRC}/common/clock.cc
  ${SPMI_SRC}/common/cron.cc
  ${SPMI_SRC}/common/duration.cc
  ${SPMI_SRC}/common/fd.cc
  ${SPMI_SRC}/common/identity.cc
  ${SPMI_SRC}/common/kv_file.cc
  ${SPMI_SRC}/common/lock_file.cc
  ${SPMI_SRC}/common/log_settings.cc
  ${SPMI_SRC}/common/plain_command.cc
  ${SPMI_SRC}/common/program_path.cc
  ${SPMI_SRC}/common/proc.cc
  ${SPMI_SRC}/common/process_tree.cc
  ${SPMI_SRC}/common/restart_settings.cc
  ${SPMI_SRC}/common/safe_file.cc
  ${SPMI_SRC}/common/signals.cc
  ${SPMI_SRC}/common/suggest.cc
  ${SPMI_SRC}/common/task_env.cc
  ${SPMI_SRC}/common/task_spec.cc
  ${SPMI_SRC}/common/task_state.cc
  ${SPMI_SRC}/common/task_tree.cc
  ${SPMI_SRC}/common/watchdog_settings.cc
)

# Descriptors: the readers, the schema and the manageables.
set(SPMI_MANAGEABLES_SOURCES
  ${SPMI_SRC}/manageables/tree.cc
  ${SPMI_SRC}/manageables/reader.cc
  ${SPMI_SRC}/manageables/reader_toml.cc
  ${SPMI_SRC}/manageables/reader_yaml.cc
  ${SPMI_SRC}/manageables/reader_json.cc
  ${SPMI_SRC}/manageables/reader_procfile.cc
  ${SPMI_SRC}/manageables/schema.cc
  ${SPMI_SRC}/manageables/descriptor_keys.cc
  ${SPMI_SRC}/manageables/json_schema.cc
  ${SPMI_SRC}/manageables/task_manageable.cc
  ${SPMI_SRC}/manageables/project_manageable.cc
  ${SPMI_SRC}/manageables/units.cc
  ${SPMI_SRC}/manageables/registry.cc
)

# The backends that launch wrappers.
set(SPMI_BACKENDS_SOURCES
  ${SPMI_SRC}/backends/identity_lookup.cc
  ${SPMI_SRC}/backends/backend.cc
  ${SPMI_SRC}/backends/registry.cc
  ${SPMI_SRC}/backends/native_backend.cc
  ${SPMI_SRC}/backends/multiplexer.cc
  ${SPMI_SRC}/backends/screen_backend.cc
  ${SPMI_SRC}/backends/slurm_backend.cc
  ${SPMI_SRC}/backends/slurm_end.cc
  ${SPMI_SRC}/backends/slurm_options.cc
  ${SPMI_SRC}/backends/slurm_view.cc
  ${SPMI_SRC}/backends/slurm_jobs.cc
  ${SPMI_SRC}/backends/start_report.cc
  ${SPMI_SRC}/backends/tmux_backend.cc
  ${SPMI_SRC}/backends/wrapper_path.cc
)

# The state directory and what is read from it.
set(SPMI_STORE_SOURCES
  ${SPMI_SRC}/store/store.cc
  ${SPMI_SRC}/store/task_view.cc
  ${SPMI_SRC}/store/wait_target.cc
  ${SPMI_SRC}/store/control.cc
  ${SPMI_SRC}/store/log_reader.cc
  ${SPMI_SRC}/store/usage.cc
  ${SPMI_SRC}/store/cpu_samples.cc
)

# Starting, ending and changing tasks; the system's side (boot units,
# doctor); the CLI's shared pieces (not its command files).
set(SPMI_LIFECYCLE_SOURCES
  ${SPMI_SRC}/lifecycle/deps.cc
  ${SPMI_SRC}/lifecycle/apply_plan.cc
  ${SPMI_SRC}/lifecycle/start.cc
  ${SPMI_SRC}/lifecycle/apply.cc
  ${SPMI_SRC}/lifecycle/end.cc
  ${SPMI_SRC}/lifecycle/restart.cc
  ${SPMI_SRC}/lifecycle/reload.cc
  ${SPMI_SRC}/lifecycle/await_wrapper.cc
  ${SPMI_SRC}/lifecycle/resurrect.cc
)
set(SPMI_SYSTEM_SOURCES
  ${SPMI_SRC}/system/boot_units.cc
  ${SPMI_SRC}/system/doctor.cc
)
set(SPMI_CLI_LIB_SOURCES
  ${SPMI_SRC}/cli/patterns.cc
  ${SPMI_SRC}/cli/output.cc
  ${SPMI_SRC}/cli/help.cc
  ${SPMI_SRC}/cli/view_format.cc
  ${SPMI_SRC}/cli/wait.cc
  ${SPMI_SRC}/cli/results.cc
  ${SPMI_SRC}/cli/descriptor_files.cc
)
