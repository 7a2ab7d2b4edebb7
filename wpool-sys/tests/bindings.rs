//! The bindings drift check: with `--features bindgen`, the bindings generated
//! from the current `wpool.h` must equal the checked-in `src/bindings.rs`.
#![cfg(feature = "bindgen")]

#[test]
fn checked_in_bindings_match_the_header() {
    let checked_in = wpool_sys::CHECKED_IN_BINDINGS;
    let generated = wpool_sys::GENERATED_BINDINGS;
    if checked_in != generated {
        let first_difference = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "in length".to_owned(),
                |line| format!("at line {}", line + 1),
            );
        panic!(
            "src/bindings.rs is out of date with c/include/wpool.h (they differ {first_difference}); \
             regenerate it with `WPOOL_SYS_UPDATE_BINDINGS=1 cargo build -p wpool-sys --features bindgen` \
             and commit the result"
        );
    }
}
