import GRDB
import SoudanProtocol
import SoudanTestSupport
import Testing

@testable import SoudanStore

/// The partial unique indexes are the last word on a slot: a second live
/// consultation of a counselor, or of a seeker, in the same slot is refused
/// and told apart, whatever the checks before the insert missed.
@Suite struct SlotConflictTests {
    static let ten = Instant(seconds: 1_796_086_800)  // 2026-12-01T10:00+09:00

    func insert(_ id: String, seeker: String, counselor: String, at start: Instant, in db: StoreTransaction) throws {
        _ = try ConsultationStore.insert(
            .init(requestID: "req-\(id)", seekerNo: seeker, counselorID: counselor, start: start, companions: .array([]), override: nil),
            at: Self.ten.adding(seconds: -86_400), in: db)
    }

    @Test func theCounselorsSlotIsTaken() throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            try insert("1", seeker: "S1", counselor: "c01", at: Self.ten, in: db.tx)
            #expect(throws: SlotConflict.counselorTaken) { try insert("2", seeker: "S2", counselor: "c01", at: Self.ten, in: db.tx) }
        }
    }

    @Test func theSeekerIsBusyInThatSlot() throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            try insert("1", seeker: "S1", counselor: "c01", at: Self.ten, in: db.tx)
            #expect(throws: SlotConflict.seekerBusy) { try insert("2", seeker: "S1", counselor: "c02", at: Self.ten, in: db.tx) }
        }
    }

    @Test func aMoveOntoATakenSlotIsRefusedToo() throws {
        let store = try TemporaryStore()
        try store.pool.write { db in
            try insert("1", seeker: "S1", counselor: "c01", at: Self.ten, in: db.tx)
            try insert("2", seeker: "S2", counselor: "c02", at: Self.ten.adding(minutes: 30), in: db.tx)
            #expect(throws: SlotConflict.counselorTaken) {
                try ConsultationStore.move("con-000002", to: Self.ten, counselorID: "c01", override: nil, at: Self.ten, in: db.tx)
            }
        }
    }
}
