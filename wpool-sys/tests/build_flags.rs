//! The bundled C core is compiled optimized in every Cargo profile (this test
//! itself is built with the dev profile, opt-level 0), unless
//! `WPOOL_SYS_DEBUG_C` asks for a debug build of it.

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
    assert!(flags.contains(&"-std=c11"), "{flags:?}");
    assert!(flags.contains(&"-DWPOOL_BUILDING"), "{flags:?}");
}
