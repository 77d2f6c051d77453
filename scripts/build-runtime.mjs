// Placeholder until the AssemblyScript runtime lands; replaced by the back end's build script.
console.log("build-runtime: no runtime sources yet");
