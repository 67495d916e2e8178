import GRDB
import SoudanDomain
import SoudanProtocol
import SoudanService
import SoudanTestSupport
import Testing

@testable import SoudanStore

@Suite struct HousekeepingTests {
    /// A consultation that started 11 minutes before `now` with no contact: due
    /// for the no-show rule, written straight into the schema.
    func storeWithADueConsultation(now: Instant) throws -> TemporaryStore {
        let store = try TemporaryStore(now: now)
        let start = now.adding(seconds: -660).seconds
        try store.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO seeker(seeker_no, name, phone, my_page, webcam_device, status, no_show_count, consented_version,
                                       consent_kind, created_at, updated_at)
                    VALUES ('12345-00000001', 'x', '0300000000', 1, 1, 'active', 0, '1', 'explicit', 0, 0)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO booking_request(request_id, seeker_no, preferences, channel, companions, status, created_at, updated_at)
                    VALUES ('req-1', '12345-00000001', '[]', 'web', '[]', 'scheduled', 0, 0)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO consultation(consultation_id, request_id, seeker_no, counselor_id, start, status, companions,
                                             created_at, updated_at)
                    VALUES ('con-1', 'req-1', '12345-00000001', 'c01', ?, 'scheduled', '[]', 0, 0)
                    """, arguments: [start])
        }
        return store
    }

    func status(_ store: TemporaryStore) throws -> String? {
        try store.pool.read { try String.fetchOne($0, sql: "SELECT status FROM consultation WHERE consultation_id = 'con-1'") }
    }

    @Test func theTimeRulesRunOncePerSecondAndAgainAfterARolledBackBatch() throws {
        let now = Instant(seconds: 1_796_090_400)
        let store = try storeWithADueConsultation(now: now)
        let housekeeping = Housekeeping(
            clock: .manual(startingAt: now), office: DaemonConfig().office, key: .ephemeral(), maintenance: Maintenance())
        // The batch that applied the rule rolls back: the no-show did not happen.
        try store.pool.writeWithoutTransaction { db in
            try db.inTransaction {
                try housekeeping.run(db.tx)
                return .rollback
            }
        }
        #expect(try status(store) == "scheduled")
        // In the same second the rule is not run again, unless told of the rollback.
        try store.pool.write { db in try housekeeping.run(db.tx) }
        #expect(try status(store) == "scheduled")
        housekeeping.batchRolledBack()
        try store.pool.write { db in try housekeeping.run(db.tx) }
        #expect(try status(store) == "no_show")
    }
}
