//! Builds the bundled C core (or finds a system libwpool), and with the
//! `bindgen` feature regenerates the raw bindings from `wpool.h`.
//!
//! Environment:
//! - `WPOOL_SYS_USE_PKG_CONFIG=1`: link the libwpool that pkg-config finds
//!   (`wpool.pc`, installed by the CMake build) instead of compiling the
//!   bundled sources.
//! - `WPOOL_SYS_UPDATE_BINDINGS=1` (with `--features bindgen`): also write the
//!   regenerated bindings over the checked-in `src/bindings.rs`.
//! - `WPOOL_SYS_DEBUG_C=1`: compile the bundled C core at `-O0` with debug
//!   info, to step through it in a debugger. By default it is compiled at
//!   `-O2` whatever the profile: the pool is on the hot path of a debug build
//!   too, and a profile override in the user's `Cargo.toml` is not something
//!   a dependency can ask for.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let c_dir = manifest_dir.join("c");
    println!("cargo:rerun-if-env-changed=WPOOL_SYS_USE_PKG_CONFIG");
    println!("cargo:rerun-if-env-changed=WPOOL_SYS_UPDATE_BINDINGS");
    println!("cargo:rerun-if-env-changed=WPOOL_SYS_DEBUG_C");

    let include_dirs = if env_flag("WPOOL_SYS_USE_PKG_CONFIG") {
        println!("cargo:rustc-env=WPOOL_SYS_C_FLAGS=");
        link_system_library()
    } else {
        build_bundled(&c_dir);
        vec![c_dir.join("include")]
    };
    // Lets crates that build C against wpool find the header (DEP_WPOOL_INCLUDE).
    println!(
        "cargo:include={}",
        env::join_paths(&include_dirs).unwrap().to_string_lossy()
    );

    #[cfg(feature = "bindgen")]
    generate_bindings(&manifest_dir, &include_dirs);
}

fn env_flag(name: &str) -> bool {
    matches!(env::var(name), Ok(v) if !v.is_empty() && v != "0")
}

/// The C core's build description, `c/build.txt`, which CMakeLists.txt reads
/// too: `key: values` lines (see the file for the keys).
struct Manifest {
    entries: Vec<(String, Vec<String>)>,
}

impl Manifest {
    const KEYS: &'static [&'static str] = &[
        "sources",
        "defines",
        "defines-gnu",
        "flags-msvc",
        "warnings-gnu",
        "warnings-msvc",
        "libs-unix",
        "libs-windows",
    ];

    fn read(path: &Path) -> Manifest {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("wpool-sys: cannot read {}: {e}", path.display()));
        let mut entries = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, values) = line
                .split_once(':')
                .filter(|(key, _)| Self::KEYS.contains(key))
                .unwrap_or_else(|| {
                    panic!(
                        "wpool-sys: {}: not a `key: values` line with a known key {:?}: {line:?}",
                        path.display(),
                        Self::KEYS
                    )
                });
            let values = values.split_whitespace().map(str::to_owned).collect();
            entries.push((key.to_owned(), values));
        }
        Manifest { entries }
    }

    /// Every value of `key`, in order.
    fn get(&self, key: &str) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, values)| values.iter().map(String::as_str))
            .collect()
    }
}

/// Compiles the sources listed in `c/build.txt` as the CMake build does: C11,
/// the manifest's defines, warnings and system libraries for this compiler
/// and target, hidden visibility except for the `WPOOL_API` functions,
/// optimized (see `WPOOL_SYS_DEBUG_C`). The compiler's flags are recorded in
/// `WPOOL_SYS_C_FLAGS` (`wpool_sys::BUNDLED_C_FLAGS`) for the tests.
fn build_bundled(c_dir: &Path) {
    let manifest_path = c_dir.join("build.txt");
    let manifest = Manifest::read(&manifest_path);
    let src_dir = c_dir.join("src");
    let sources: Vec<PathBuf> = manifest
        .get("sources")
        .iter()
        .map(|source| c_dir.join(source))
        .collect();
    assert!(
        !sources.is_empty(),
        "wpool-sys: no sources in {}",
        manifest_path.display()
    );
    let windows = env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows");
    let unix = env::var("CARGO_CFG_TARGET_FAMILY")
        .is_ok_and(|families| families.split(',').any(|family| family == "unix"));

    let mut build = cc::Build::new();
    build
        .files(&sources)
        .include(c_dir.join("include"))
        .include(&src_dir)
        .std("c11")
        .pic(true)
        // The manifest's warnings below. (cc's own, -Wall or -W4, are among
        // them; warnings(false) would add -w, which silences every one.)
        .warnings(true)
        .extra_warnings(false);
    for define in manifest.get("defines") {
        build.define(define, None);
    }
    if build.get_compiler().is_like_msvc() {
        for flag in manifest.get("flags-msvc") {
            build.flag(flag);
        }
        for flag in manifest.get("warnings-msvc") {
            build.flag(flag);
        }
    } else {
        for define in manifest.get("defines-gnu") {
            build.define(define, None);
        }
        for flag in manifest.get("warnings-gnu") {
            build.flag(flag);
        }
        if !windows {
            build.flag_if_supported("-fvisibility=hidden");
        }
        if unix {
            build.flag_if_supported("-pthread");
        }
    }
    if env_flag("WPOOL_SYS_DEBUG_C") {
        build.opt_level(0).debug(true);
    } else {
        build.opt_level(2);
    }
    let flags: Vec<String> = build
        .get_compiler()
        .args()
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    println!("cargo:rustc-env=WPOOL_SYS_C_FLAGS={}", flags.join(" "));
    build.compile("wpool");

    let libs = if windows {
        manifest.get("libs-windows")
    } else if unix {
        manifest.get("libs-unix")
    } else {
        Vec::new()
    };
    for lib in libs {
        println!("cargo:rustc-link-lib={lib}");
    }
    println!("cargo:rerun-if-changed={}", manifest_path.display());
    println!("cargo:rerun-if-changed={}", c_dir.join("include").display());
    println!("cargo:rerun-if-changed={}", src_dir.display());
    for path in &sources {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// Links the system libwpool found by pkg-config; returns its include dirs.
fn link_system_library() -> Vec<PathBuf> {
    let version = env::var("CARGO_PKG_VERSION").expect("set by cargo");
    let minor = version
        .rsplit_once('.')
        .map_or(version.as_str(), |(head, _)| head);
    match pkg_config::Config::new()
        .atleast_version(minor)
        .probe("wpool")
    {
        Ok(lib) => lib.include_paths,
        Err(e) => panic!(
            "wpool-sys: WPOOL_SYS_USE_PKG_CONFIG is set but no libwpool >= {minor} was found \
             with pkg-config (install it with the CMake build, or set PKG_CONFIG_PATH): {e}"
        ),
    }
}

#[cfg(feature = "bindgen")]
fn generate_bindings(manifest_dir: &Path, include_dirs: &[PathBuf]) {
    let header = include_dirs
        .iter()
        .map(|dir| dir.join("wpool.h"))
        .find(|path| path.exists())
        .expect("wpool-sys: wpool.h not found in the include directories");
    println!("cargo:rerun-if-changed={}", header.display());
    let bindings = bindgen::Builder::default()
        .header(header.to_string_lossy())
        // Layout checks as #[test] functions (offset_of!, which would make
        // them compile-time asserts, needs 1.77): they run in `cargo test`.
        .rust_target(bindgen::RustTarget::stable(74, 0).expect("a supported Rust target"))
        .allowlist_function("wpool_.*")
        .allowlist_type("wpool_.*")
        .allowlist_var("WPOOL_.*")
        // The status codes are an anonymous enum of ints: plain constants.
        .translate_enum_integer_types(true)
        .default_enum_style(bindgen::EnumVariation::Consts)
        .prepend_enum_name(false)
        .use_core()
        .derive_default(true)
        .derive_debug(true)
        .layout_tests(true)
        .generate_comments(true)
        .formatter(bindgen::Formatter::Prettyplease)
        .raw_line("// Generated by bindgen from c/include/wpool.h; do not edit by hand.")
        .raw_line("// Regenerate: WPOOL_SYS_UPDATE_BINDINGS=1 cargo build -p wpool-sys --features bindgen")
        .generate()
        .expect("wpool-sys: bindgen failed on wpool.h");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("bindings.rs");
    bindings
        .write_to_file(&out)
        .expect("wpool-sys: cannot write the bindings");
    if env_flag("WPOOL_SYS_UPDATE_BINDINGS") {
        std::fs::copy(&out, manifest_dir.join("src/bindings.rs"))
            .expect("wpool-sys: cannot update src/bindings.rs");
    }
}
