import Dispatch
import Foundation
import Logging
import SoudanDomain
import SoudanProtocol
import SoudanService
import SoudanStore

/// Feeds one fuzz input to the real dispatcher, as one connection would, and
/// checks every reply: a crash is a finding, and so is a reply that breaks the
/// wire contract.
///
/// The input is a byte stream read by the daemon's own `FrameDecoder`; each frame
/// goes through envelope decoding, argument validation and the operation's body,
/// over a store on a temporary file with the manual clock. Frames alternate
/// between the admin and the service socket (admin first, so a one-frame input
/// reaches every operation). State carries over between inputs — a booking made
/// by one input can be cancelled by the next — which finds more, at the price of
/// a finding that may need the inputs before it to reproduce.
enum FuzzHarness {
    /// The daemon's default frame limit is larger; a smaller one lets the fuzzer
    /// reach `frame_too_large` without megabyte inputs.
    static let maxFrame = 64 * 1024
    /// Longer than any operation takes on an idle machine, by far.
    static let replyDeadline = DispatchTimeInterval.seconds(30)
    /// `SOUDAN_FUZZ_VERBOSE=1`: print each reply, to see what a corpus reaches.
    static let verbose = ProcessInfo.processInfo.environment["SOUDAN_FUZZ_VERBOSE"] == "1"

    static let service: Service = {
        let directory = NSTemporaryDirectory() + "soudan-fuzz-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // Monday 2026-11-30 09:00 in Tokyo: a working day with the office open.
            let clock = OfficeClock.manual(startingAt: Instant(seconds: 1_795_996_800))
            let quiet = Logger(label: "soudan-fuzz") { _ in SwiftLogNoOpLogHandler() }
            return try Service.open(
                databasePath: directory + "/soudan.sqlite3", durability: .normal, settings: DaemonConfig(), clock: clock,
                logger: quiet, operations: fuzzable)
        } catch {
            fatalError("cannot open the fuzz store in \(directory): \(error)")
        }
    }()

    /// Every operation but `sys.backup`, which writes a file wherever its
    /// argument says; long polls wait at most 10 ms so that a found
    /// `events.fetch` does not stall the run.
    static func fuzzable(_ operations: [SoudanService.Operation]) -> [SoudanService.Operation] {
        operations.compactMap { operation in
            if operation.name == "sys.backup" { return nil }
            guard case .longPoll(var poll) = operation.body else { return operation }
            let wait = poll.waitMilliseconds
            poll.waitMilliseconds = { min(wait($0), 10) }
            return SoudanService.Operation(operation.name, sockets: operation.sockets, .longPoll(poll))
        }
    }

    static func run(_ input: UnsafeRawBufferPointer) {
        var decoder = FrameDecoder(maxFrame: maxFrame)
        decoder.append(input)
        var index = 0
        while true {
            let role: SocketRole = index % 2 == 0 ? .admin : .service
            let peer = PeerInfo(role: role, uid: getuid(), pid: getpid(), connectionID: 1)
            let body: [UInt8]
            do {
                guard let frame = try decoder.next() else { return }
                body = frame
            } catch {
                // The connection would close after this reply.
                check(reply: answer(.unreadable(error), from: peer, size: 0), to: nil)
                return
            }
            check(reply: answer(.request(body), from: peer, size: body.count), to: body)
            index += 1
        }
    }

    /// Dispatches one frame and waits for its one reply.
    private static func answer(_ inbound: Inbound, from peer: PeerInfo, size: Int) -> [UInt8] {
        let box = ReplyBox()
        service.dispatcher.handle(inbound, from: peer) { box.put($0) }
        guard let reply = box.take(within: replyDeadline) else {
            fatalError("no reply within \(replyDeadline) to a \(size)-byte frame")
        }
        return reply
    }

    /// The wire contract for every reply: one whole frame holding a JSON object
    /// with a boolean `ok`, an error with a known code that is not `internal`,
    /// and the request's `id` echoed whenever the envelope had a readable one.
    private static func check(reply: [UInt8], to request: [UInt8]?) {
        var decoder = FrameDecoder(maxFrame: Int(UInt32.max))
        decoder.append(reply)
        guard let body = try? decoder.next(), decoder.bufferedByteCount == 0 else {
            fatalError("the reply is not exactly one frame: \(reply.count) bytes")
        }
        guard case .object(let object)? = try? JSONParser.parse(body), case .bool(let ok)? = object["ok"] else {
            fatalError("the reply is not an object with a boolean ok: \(String(decoding: body, as: UTF8.self))")
        }
        if !ok {
            guard let code = object["error"]?["code"]?.stringValue.flatMap(ErrorCode.init(rawValue:)) else {
                fatalError("an error reply without a known code: \(String(decoding: body, as: UTF8.self))")
            }
            if code == .internal {
                fatalError("internal error: \(String(decoding: body, as: UTF8.self))")
            }
        }
        if verbose { print(String(decoding: body, as: UTF8.self).prefix(200)) }
        guard let request else { return }
        let sentID: RequestID?
        switch Request.decode(request) {
        case .success(let decoded): sentID = decoded.id
        case .failure(let failure): sentID = failure.id
        }
        if let sentID, object["id"] != sentID.json {
            fatalError("the reply does not echo the id \(sentID): \(String(decoding: body, as: UTF8.self))")
        }
    }
}

/// A reply handed over from whichever thread produced it.
private final class ReplyBox: @unchecked Sendable {
    // @unchecked: `bytes` is written once before `ready` is signalled and read
    // only after waiting on it.
    private var bytes: [UInt8]?
    private let ready = DispatchSemaphore(value: 0)

    func put(_ reply: [UInt8]) {
        bytes = reply
        ready.signal()
    }

    func take(within deadline: DispatchTimeInterval) -> [UInt8]? {
        ready.wait(timeout: .now() + deadline) == .success ? bytes : nil
    }
}
