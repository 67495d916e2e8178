import CSoudanShim
import Foundation

/// libFuzzer's entry point: in the fuzzing build (scripts/fuzz, -DFUZZING with
/// libFuzzer linked in) its driver calls this for every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
    /// SwiftPM links an executable's entry point under the name `soudan_fuzz_main`;
    /// here it hands over to libFuzzer's driver, which reads libFuzzer's flags.
    @_cdecl("soudan_fuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
    }
#else
    /// Without libFuzzer (an ordinary build): replays files or directories of
    /// inputs through the same harness, which is how `scripts/test` keeps the seed
    /// corpus and every past finding passing.
    @main
    enum CorpusReplay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard !arguments.isEmpty else {
                FileHandle.standardError.write(Data("usage: soudan-fuzz FILE-OR-DIRECTORY...\n".utf8))
                exit(2)
            }
            var replayed = 0
            for path in arguments {
                for file in inputs(at: path) {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        FileHandle.standardError.write(Data("soudan-fuzz: cannot read \(file)\n".utf8))
                        exit(1)
                    }
                    data.withUnsafeBytes { FuzzHarness.run($0) }
                    replayed += 1
                }
            }
            print("soudan-fuzz: replayed \(replayed) inputs, every reply well-formed")
        }

        /// A directory's regular files in name order, or the path itself.
        static func inputs(at path: String) -> [String] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                return [path]
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.sorted().filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.map { path + "/" + $0 }
        }
    }
#endif
