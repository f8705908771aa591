// The installed build's kernels, shared by esm.mjs and cjs.cjs (each passes its own build of
// chainrule, so both are checked): a 300×300 float32 matmul on the WebAssembly backend on both
// cores, again once the helper thread runs, on one thread, and on the JS kernels. Threads must
// give the same bits; the backends agree to float32 rounding (the caller checks jsError).
module.exports = async function kernelsCheck(lib) {
  const { getBackend, getMaxThreads, randn, setBackend, setNumThreads } = lib;
  const a = randn([300, 300], { dtype: "float32" });
  const product = () => Array.from(a.matmul(a).data);
  const two = product();
  await new Promise((r) => setTimeout(r, 100)); // the helper thread starts asynchronously
  const again = product();
  setNumThreads(1);
  const one = product();
  setBackend("js");
  const js = product();
  setBackend("wasm");
  return {
    backend: getBackend(),
    maxThreads: getMaxThreads(),
    sameOnThreads:
      JSON.stringify(two) === JSON.stringify(one) && JSON.stringify(again) === JSON.stringify(one),
    jsError: Math.max(...js.map((v, i) => Math.abs(v - one[i]))),
  };
};
