import Foundation
import GRDB
import SoudanProtocol
import Testing

@testable import SoudanStore

@Suite struct CounselorDayLoadTests {
    /// A database from before the table existed gets its counts from the
    /// consultations already there, live ones only, per office day.
    @Test func theMigrationCountsWhatIsAlreadyThere() throws {
        let queue = try DatabaseQueue()
        let migrator = Migrations.migrator(createdAt: 0)
        try migrator.migrate(queue, upTo: "v2-booking")
        let tuesday10 = Int64(1_796_086_800)  // 2026-12-01T10:00+09:00
        let rows: [(String, Int64, String)] = [
            ("c01", tuesday10, "scheduled"), ("c01", tuesday10 + 1800, "in_progress"), ("c01", tuesday10 + 3600, "cancelled"),
            ("c02", tuesday10, "completed"), ("c02", tuesday10 + 86400, "scheduled"),
            // 23:30 office time is still Tuesday; 00:30 is Wednesday.
            ("c03", tuesday10 + 13 * 3600 + 1800, "scheduled"), ("c03", tuesday10 + 14 * 3600 + 1800, "scheduled"),
        ]
        try queue.write { db in
            for (n, row) in rows.enumerated() {
                try db.execute(
                    sql: """
                        INSERT INTO consultation(consultation_id, request_id, seeker_no, counselor_id, start, status, companions, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, '[]', 0, 0)
                        """, arguments: ["con-\(n)", "req-\(n)", "s-\(n)", row.0, row.1, row.2])
            }
        }
        try migrator.migrate(queue)
        let tuesday = CivilDate(year: 2026, month: 12, day: 1).daysSinceEpoch
        let counts = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT counselor_id, day, live FROM counselor_day_load ORDER BY 1, 2")
                .map { "\($0["counselor_id"] as String) \(($0["day"] as Int) - tuesday) \($0["live"] as Int)" }
        }
        #expect(counts == ["c01 0 2", "c02 1 1", "c03 0 1", "c03 1 1"])
    }
}
