"""Reading users' files and writing the product's, so that nothing of the user's is ever lost.

Writing (:mod:`.atomic`, :mod:`.folders`)
    Every file is written atomically (:func:`atomic_write_bytes`, :func:`atomic_dir`); output
    folders are *product folders* (:func:`product_dir`) whose manifest (:data:`MANIFEST`) lists
    what the product wrote: a folder holding anything else is refused and never emptied, and a
    plan's folder is never rewritten by ``routes`` or ``coverage``.
Temporary work and the run itself (:mod:`.run`, :mod:`.atomic`)
    One scratch folder per run (:func:`run_scratch`); what runs that died left behind is removed
    by the next run (:func:`remove_stale`, :func:`remove_stale_runs`).
Reading (:mod:`.read`, :mod:`.geo`)
    Users' JSON, YAML, CSV and GeoJSON are read with size, nesting, YAML alias expansion and
    rows bounded before parsing; every problem is an :class:`~safepassage.errors.InputError`.
"""

from .atomic import (
    atomic_dir,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    remove_stale,
)
from .folders import (
    COMMANDS,
    MANIFEST,
    OutputFolderError,
    check_output_folder,
    check_product_file,
    folder_groups,
    product_dir,
    read_manifest,
    record_product_file,
)
from .geo import (
    MAX_FEATURES,
    area_in_crs,
    clip_to_crs,
    read_geojson_features,
    repair_polygon,
    write_geojson,
    write_gpx,
)
from .read import (
    MAX_FILE_BYTES,
    MAX_NESTING,
    MAX_YAML_VALUES,
    check_nesting,
    decode_text,
    load_json,
    load_yaml,
    read_csv_rows,
    read_input_bytes,
)
from .run import (
    end_children,
    error_line,
    exit_now,
    remove_stale_runs,
    run_alive,
    run_scratch,
    run_token,
    scratch_root,
    sigterm_raises,
    silence_stdout,
    stdout_failed,
)

__all__ = [
    "COMMANDS",
    "MANIFEST",
    "MAX_FEATURES",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_YAML_VALUES",
    "OutputFolderError",
    "area_in_crs",
    "atomic_dir",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_nesting",
    "check_output_folder",
    "check_product_file",
    "clip_to_crs",
    "decode_text",
    "end_children",
    "error_line",
    "exit_now",
    "folder_groups",
    "load_json",
    "load_yaml",
    "product_dir",
    "read_csv_rows",
    "read_geojson_features",
    "read_input_bytes",
    "read_manifest",
    "record_product_file",
    "remove_stale",
    "remove_stale_runs",
    "repair_polygon",
    "run_alive",
    "run_scratch",
    "run_token",
    "scratch_root",
    "sigterm_raises",
    "silence_stdout",
    "stdout_failed",
    "write_geojson",
    "write_gpx",
]
