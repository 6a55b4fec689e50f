//! Compiles the Slint screens and bundles the translations into the binary, so the kiosk
//! needs no gettext catalogue on disk and switches language without a restart.

fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("translations")
        // Strings are translated by their text alone, not per component, so one sentence
        // used on two screens has one translation.
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        // Element names for Slint's testing backend, which the UI tests find elements
        // by; debug builds only (the tests' profile), so the kiosk's release binary
        // carries none.
        .with_debug_info(std::env::var("PROFILE").is_ok_and(|profile| profile == "debug"));
    if let Err(error) = slint_build::compile_with_config("ui/app-window.slint", config) {
        eprintln!("Slint compilation failed: {error}");
        std::process::exit(1);
    }
    println!("cargo:rerun-if-changed=translations");
}
