import Foundation
import SoudanSync
import Testing

/// errno becomes words in one place, right after the call that set it.
@Suite struct SystemCallErrorTests {
    @Test func aFailedCallThrowsWhatItWasDoingAndErrnosText() {
        do {
            try checkedSystemCall("open /nonexistent/soudan", open("/nonexistent/soudan", O_RDONLY))
            Issue.record("opening a missing file succeeded")
        } catch {
            #expect(error.code == ENOENT)
            #expect(error.description == "open /nonexistent/soudan: No such file or directory")
        }
    }

    @Test func aSucceedingCallReturnsItsResult() throws {
        let fd = try checkedSystemCall("open /dev/null", open("/dev/null", O_RDONLY))
        #expect(fd >= 0)
        close(fd)
    }
}
