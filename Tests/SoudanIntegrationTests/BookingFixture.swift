import Foundation
import SoudanClient
import SoudanProtocol
import Testing

/// Steps of the booking flow, as local services and staff take them, for tests.
/// The daemon starts on Monday 2026-11-30 09:00 office time, so Tuesday's slots
/// are bookable and Monday's are past the cutoff.
struct Booking {
    static let monday = "manual:2026-11-30T09:00:00+09:00"
    let daemon: TestDaemon
    let admin: SoudanConnection
    let service: SoudanConnection

    init(config: String? = nil, clock: String = Booking.monday) throws {
        try self.init(daemon: TestDaemon(config: config, clock: clock))
    }

    /// Around a daemon started some other way (its data dir on a small disk, say).
    init(daemon: TestDaemon) throws {
        self.daemon = daemon
        admin = try daemon.connect(.admin)
        service = try daemon.connect(.service)
    }

    static func seekerNo(_ n: Int) -> String { "13100-" + String(format: "%08d", n) }

    @discardableResult
    func register(_ n: Int, myPage: Bool = true, webcam: Bool = true) throws -> ClientReply {
        try service.call(
            "seeker.register",
            [
                "seeker_no": .string(Self.seekerNo(n)), "name": .string("求職者\(n)"),
                "phone": .string("090-0000-\(String(format: "%04d", n % 10000))"),
                "my_page": .bool(myPage), "webcam_device": .bool(webcam),
            ])
    }

    @discardableResult
    func consent(_ n: Int, version: String = "1") throws -> ClientReply {
        try service.call(
            "seeker.consent",
            [
                "seeker_no": .string(Self.seekerNo(n)), "terms_version": .string(version), "zoom_terms": true,
                "acknowledge": ["no_recording": true, "private_room": true, "device_ready": true],
            ])
    }

    /// Registered and consented.
    func ready(_ n: Int) throws {
        #expect(try register(n).ok)
        #expect(try consent(n).ok)
    }

    func request(
        _ n: Int, _ preferences: [String], channel: String = "web", extra: JSONObject = [:], on role: SoudanProtocol.SocketRole = .service
    ) throws -> ClientReply {
        var args: JSONObject = [
            "seeker_no": .string(Self.seekerNo(n)), "name": .string("求職者\(n)"), "phone": "090-0000-0000",
            "preferences": .array(preferences.map { .string($0) }), "channel": .string(channel),
        ]
        for (key, value) in extra { args[key] = value }
        return try (role == .admin ? admin : service).call("booking.request", args)
    }

    /// A request id, asserting the request was accepted.
    func requestID(_ n: Int, _ preferences: [String]) throws -> String {
        let reply = try request(n, preferences)
        #expect(reply.ok, "\(reply.raw)")
        return reply.result["request"]?["request_id"]?.stringValue ?? "?"
    }

    func schedule(_ requestID: String, _ start: String, counselor: String? = nil, extra: JSONObject = [:]) throws -> ClientReply {
        var args: JSONObject = ["request_id": .string(requestID), "start": .string(start)]
        if let counselor { args["counselor_id"] = .string(counselor) }
        for (key, value) in extra { args[key] = value }
        return try admin.call("booking.schedule", args)
    }

    /// Registered, consented, requested and scheduled: the consultation id.
    func booked(_ n: Int, _ start: String, counselor: String? = nil) throws -> String {
        try ready(n)
        let reply = try schedule(try requestID(n, [start]), start, counselor: counselor)
        #expect(reply.ok, "\(reply.raw)")
        return reply.result["consultation"]?["consultation_id"]?.stringValue ?? "?"
    }

    func consultation(_ id: String) throws -> JSONValue {
        try admin.call("consultation.get", ["consultation_id": .string(id)]).result["consultation"] ?? .null
    }

    func seeker(_ n: Int) throws -> ClientReply {
        try admin.call("seeker.get", ["seeker_no": .string(Self.seekerNo(n))])
    }

    func setClock(_ now: String) throws {
        #expect(try admin.call("clock.set", ["now": .string(now)]).ok)
    }

    /// Every event so far, from a fresh consumer.
    func events() throws -> [JSONValue] {
        try admin.call("events.fetch", ["consumer": .string("test-\(UUID().uuidString.prefix(8))"), "max": 1000]).result["events"]?
            .arrayValue ?? []
    }

    func eventTypes() throws -> [String] { try events().compactMap { $0["type"]?.stringValue } }
}

extension ClientReply {
    var field: String? { errorDetails["field"]?.stringValue }
}
