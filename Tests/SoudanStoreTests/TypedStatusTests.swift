import GRDB
import SoudanDomain
import SoudanProtocol
import SoudanTestSupport
import Testing

@testable import SoudanStore

/// Statuses are the domain's enums from the row up: a value no case names is an
/// error (never read as a default), and a status changes only along
/// `canMove`, whatever the handler above checked.
@Suite struct TypedStatusTests {
    static let ten = Instant(seconds: 1_796_086_800)  // 2026-12-01T10:00+09:00

    func seeker(_ store: TemporaryStore, status: String) throws {
        try store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO seeker(seeker_no, name, phone, my_page, webcam_device, status, created_at, updated_at)
                    VALUES ('13010-2512-000001', 'n', 'p', 1, 1, ?, 0, 0)
                    """, arguments: [status])
        }
    }

    func consultation(_ store: TemporaryStore) throws -> ConsultationRecord {
        try store.pool.write { db in
            try ConsultationStore.insert(
                .init(
                    requestID: "req-1", seekerNo: "13010-2512-000001", counselorID: "c01", start: Self.ten, companions: .array([]),
                    override: nil),
                at: Self.ten.adding(seconds: -86_400), in: db.tx)
        }
    }

    @Test func anUnknownStoredSeekerStatusIsAnErrorNotAnActiveSeeker() throws {
        let store = try TemporaryStore()
        try seeker(store, status: "banned")
        #expect(throws: UnknownStoredValue.self) { try store.store.read { try SeekerStore.fetch("13010-2512-000001", in: $0) } }
    }

    @Test func everyKnownSeekerStatusReadsBack() throws {
        for status in SeekerStatus.allCases {
            let store = try TemporaryStore()
            try seeker(store, status: status.rawValue)
            #expect(try store.store.read { try SeekerStore.fetch("13010-2512-000001", in: $0) }?.status == status)
        }
    }

    @Test func anUnknownStoredConsultationStatusIsAnError() throws {
        let store = try TemporaryStore()
        _ = try consultation(store)
        try store.pool.write { try $0.execute(sql: "UPDATE consultation SET status = 'paused'") }
        #expect(throws: UnknownStoredValue.self) { try store.store.read { try ConsultationStore.fetch("con-000001", in: $0) } }
    }

    @Test func aConsultationMovesOnlyAlongCanMove() throws {
        let store = try TemporaryStore()
        let scheduled = try consultation(store)
        // scheduled → completed skips in_progress: refused, nothing written.
        #expect(throws: WireError.self) {
            try store.pool.write { db in try ConsultationStore.apply(.complete(note: nil), to: scheduled, at: Self.ten, in: db.tx) }
        }
        #expect(try store.store.read { try ConsultationStore.fetch(scheduled.consultationID, in: $0) }?.status == .scheduled)
        // The path the rules allow, step by step.
        try store.pool.write { db in try ConsultationStore.apply(.start, to: scheduled, at: Self.ten, in: db.tx) }
        let started = try #require(try store.store.read { try ConsultationStore.fetch(scheduled.consultationID, in: $0) })
        #expect(started.status == .inProgress)
        // A contact concerns a consultation still to come.
        #expect(throws: WireError.self) {
            try store.pool.write { db in try ConsultationStore.apply(.contact(note: "called"), to: started, at: Self.ten, in: db.tx) }
        }
        try store.pool.write { db in try ConsultationStore.apply(.complete(note: nil), to: started, at: Self.ten, in: db.tx) }
        let completed = try #require(try store.store.read { try ConsultationStore.fetch(scheduled.consultationID, in: $0) })
        #expect(completed.status == .completed)
        for change in [ConsultationChange.start, .cancel(channel: .phone, reason: nil), .noShow, .stop(reason: "abuse", note: nil)] {
            #expect(throws: WireError.self) {
                try store.pool.write { db in try ConsultationStore.apply(change, to: completed, at: Self.ten, in: db.tx) }
            }
        }
    }

    @Test func aRequestLeavesRequestedOnceAndOnlyThen() throws {
        let store = try TemporaryStore()
        let request = try store.pool.write { db in
            try RequestStore.insert(
                .init(
                    seekerNo: "13010-2512-000001", name: "n", phone: "p", preferences: [Self.ten], channel: "web",
                    companions: .array([]), note: nil, duringConsultation: nil, device: nil),
                at: Self.ten.adding(seconds: -86_400), in: db.tx)
        }
        try store.pool.write { db in try RequestStore.move(request, to: .withdrawn, reason: nil, at: Self.ten, in: db.tx) }
        let withdrawn = try #require(try store.store.read { try RequestStore.fetch(request.requestID, in: $0) })
        #expect(withdrawn.status == .withdrawn)
        #expect(throws: WireError.self) {
            try store.pool.write { db in try RequestStore.move(withdrawn, to: .scheduled, reason: nil, at: Self.ten, in: db.tx) }
        }
    }
}
