//! The bundled C core is compiled optimized in every Cargo profile (this test
//! itself is built with the dev profile, opt-level 0), unless
//! `WPOOL_SYS_DEBUG_C` asks for a debug build of it; and with the defines and
//! warnings of `c/build.txt`, as the CMake build is.

fn flags() -> Vec<&'static str> {
    wpool_sys::BUNDLED_C_FLAGS.split_whitespace().collect()
}

fn env_flag(name: &str) -> bool {
    matches!(std::env::var(name), Ok(v) if !v.is_empty() && v != "0")
}

#[test]
fn the_bundled_c_core_is_optimized_whatever_the_profile() {
    if env_flag("WPOOL_SYS_USE_PKG_CONFIG") {
        // A system libwpool: nothing was compiled here.
        assert!(flags().is_empty(), "{:?}", flags());
        return;
    }
    let flags = flags();
    let opt: Vec<_> = flags
        .iter()
        .filter(|f| f.starts_with("-O") || f.starts_with("/O"))
        .collect();
    if env_flag("WPOOL_SYS_DEBUG_C") {
        assert_eq!(opt.last(), Some(&&"-O0"), "flags: {flags:?}");
    } else {
        // The last -O wins; cc writes one.
        assert!(
            matches!(opt.last(), Some(&&"-O2") | Some(&&"/O2")),
            "the C core is not compiled at -O2: {flags:?}"
        );
    }
    assert!(
        flags
            .iter()
            .any(|f| matches!(*f, "-std=c11" | "-std:c11" | "/std:c11")),
        "{flags:?}"
    );
    assert!(
        flags.contains(&"-DWPOOL_BUILDING") || flags.contains(&"/DWPOOL_BUILDING"),
        "{flags:?}"
    );
}

/// The values of `key` in c/build.txt, the manifest CMake reads too.
fn manifest(key: &str) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/c/build.txt");
    let text = std::fs::read_to_string(path).expect("c/build.txt");
    text.lines()
        .filter_map(|line| line.trim().strip_prefix(key)?.strip_prefix(':'))
        .flat_map(|values| values.split_whitespace().map(str::to_owned))
        .collect()
}

#[test]
fn the_bundled_c_core_gets_the_manifests_defines_and_warnings() {
    if env_flag("WPOOL_SYS_USE_PKG_CONFIG") {
        return;
    }
    let flags = flags();
    // cc spells the C standard -std=c11 for GCC and Clang, -std:c11 for MSVC.
    let msvc = !flags.contains(&"-std=c11");
    let mut expected: Vec<String> = manifest("defines")
        .into_iter()
        .map(|d| format!("-D{d}"))
        .collect();
    if msvc {
        expected.extend(manifest("flags-msvc"));
        expected.extend(manifest("warnings-msvc"));
    } else {
        expected.extend(
            manifest("defines-gnu")
                .into_iter()
                .map(|d| format!("-D{d}")),
        );
        expected.extend(manifest("warnings-gnu"));
    }
    assert!(expected.len() > 3, "c/build.txt read wrong: {expected:?}");
    for flag in &expected {
        assert!(
            flags.contains(&flag.as_str()),
            "{flag} (c/build.txt) is not among the flags: {flags:?}"
        );
    }
}
