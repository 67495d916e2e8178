import Foundation
import GRDB
import PropertyBased
import SoudanClient
import SoudanProtocol
import Testing

/// Random sequences of booking operations against the real daemon; after every
/// step the database must hold the invariants that no single test can cover.
@Suite struct InvariantPropertyTests {
    /// Few slots, so that seekers and counselors collide often.
    static let slots = ["2026-12-01", "2026-12-02", "2026-12-03"].flatMap { day in
        ["10:00", "10:30", "11:00"].map { "\(day)T\($0):00+09:00" }
    }

    @Test(.shrinking(false))
    func invariantsHoldAfterEveryOperation() async throws {
        await propertyCheck(count: 12, input: Gen.int(in: 0...99_999).array(of: 25...50)) { steps in
            do {
                try run(steps)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    func run(_ steps: [Int]) throws {
        let b = try Booking(config: "[rules]\nno_show_threshold = 2\nopen_request_limit = 3")
        for n in 1...5 { try b.ready(n) }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let db = try DatabaseQueue(path: b.daemon.databasePath, configuration: configuration)
        for step in steps {
            let reply = try perform(step, on: b, db: db)
            #expect(
                !["internal", "bad_request", "bad_json", "unknown_op", "unavailable"].contains(reply?.code ?? "ok"),
                "\(reply?.raw ?? .null)")
            try checkInvariants(db)
        }
    }

    func perform(_ step: Int, on b: Booking, db: DatabaseQueue) throws -> ClientReply? {
        let seeker = step / 10 % 5 + 1
        let slot = Self.slots[step / 50 % Self.slots.count]
        let seekerNo = Booking.seekerNo(seeker)
        let openRequest = try db.read {
            try String.fetchOne(
                $0, sql: "SELECT request_id FROM booking_request WHERE seeker_no = ? AND status = 'requested' ORDER BY n",
                arguments: [seekerNo])
        }
        let live = try db.read {
            try String.fetchOne(
                $0,
                sql:
                    "SELECT consultation_id FROM consultation WHERE seeker_no = ? AND status IN ('scheduled', 'in_progress') ORDER BY start",
                arguments: [seekerNo])
        }
        // A step that needs a request or a consultation the seeker lacks makes one instead.
        func request() throws -> ClientReply { try b.request(seeker, [slot, Self.slots[(step / 7) % Self.slots.count]].uniqued()) }
        func schedule(counselor: String? = nil) throws -> ClientReply {
            guard let openRequest else { return try request() }
            return try b.schedule(openRequest, slot, counselor: counselor)
        }
        func withLive(_ op: String, _ args: JSONObject) throws -> ClientReply {
            guard let live else { return try schedule() }
            var all = args
            all["consultation_id"] = .string(live)
            return try b.admin.call(op, all)
        }
        switch step % 10 {
        case 0: return try request()
        case 1: return try schedule()
        case 2: return try schedule(counselor: step % 20 < 10 ? "c01" : "c02")
        case 3: return try withLive("booking.cancel", ["channel": "phone"])
        case 4: return try withLive("booking.reschedule", ["start": .string(slot)])
        case 5: return try b.admin.call("clock.advance", ["minutes": .int([10, 30, 720, 1440][step / 10 % 4])])
        case 6: return try withLive("booking.contact", ["note": "連絡"])
        case 7: return try withLive("consultation.start", [:])
        case 8:
            let op = step % 3 == 0 ? "seeker.suspend" : "seeker.reinstate"
            return try b.admin.call(
                op, op == "seeker.suspend" ? ["seeker_no": .string(seekerNo), "reason": "other"] : ["seeker_no": .string(seekerNo)])
        default:
            guard let openRequest else { return try request() }
            return try b.service.call("booking.withdraw", ["request_id": .string(openRequest)])
        }
    }

    func checkInvariants(_ queue: DatabaseQueue) throws {
        try queue.read { db in
            let doubleBooked = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM (SELECT 1 FROM consultation WHERE status IN ('scheduled', 'in_progress')
                    GROUP BY counselor_id, start HAVING COUNT(*) > 1)
                    """)
            #expect(doubleBooked == 0, "a counselor is double booked")
            let seekerTwice = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM (SELECT 1 FROM consultation WHERE status IN ('scheduled', 'in_progress')
                    GROUP BY seeker_no, start HAVING COUNT(*) > 1)
                    """)
            #expect(seekerTwice == 0, "a seeker is in two consultations at once")
            // The triggers' per-day counts agree with a recount from scratch.
            let recount = try Row.fetchAll(
                db,
                sql: """
                    SELECT counselor_id, (start + 32400) / 86400 AS day, COUNT(*) AS live FROM consultation
                    WHERE status IN ('scheduled', 'in_progress') GROUP BY 1, 2 ORDER BY 1, 2
                    """
            ).map { "\($0["counselor_id"] as String) \($0["day"] as Int) \($0["live"] as Int)" }
            let kept = try Row.fetchAll(db, sql: "SELECT counselor_id, day, live FROM counselor_day_load WHERE live != 0 ORDER BY 1, 2")
                .map { "\($0["counselor_id"] as String) \($0["day"] as Int) \($0["live"] as Int)" }
            #expect(kept == recount, "counselor_day_load differs from a recount")
            let wrongCounts = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM seeker s WHERE no_show_count !=
                        (SELECT COUNT(*) FROM consultation c WHERE c.seeker_no = s.seeker_no AND c.status = 'no_show')
                    """)
            #expect(wrongCounts == 0, "no_show_count differs from the seeker's no-shows")
            let seqs = try Int64.fetchAll(db, sql: "SELECT seq FROM event ORDER BY seq")
            #expect(seqs == Array(1...Int64(max(seqs.count, 1))).prefix(seqs.count).map { $0 }, "event seq has a gap")
            // Every consultation's status is the one its latest event says.
            let stale = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM consultation c WHERE c.status != (
                        SELECT json_extract(e.data, '$.status') FROM event e
                        WHERE json_extract(e.data, '$.consultation_id') = c.consultation_id
                          AND e.type NOT IN ('consultation.contacted')
                        ORDER BY e.seq DESC LIMIT 1)
                    """)
            #expect(stale == 0, "a consultation changed without its event")
            let staleRequests = try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM booking_request r WHERE r.status != (
                        SELECT CASE e.type WHEN 'consultation.scheduled' THEN 'scheduled' ELSE json_extract(e.data, '$.status') END
                        FROM event e
                        WHERE json_extract(e.data, '$.request_id') = r.request_id
                          AND (e.type LIKE 'request.%' OR e.type = 'consultation.scheduled')
                        ORDER BY e.seq DESC LIMIT 1)
                    """)
            #expect(staleRequests == 0, "a request changed without its event")
        }
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
