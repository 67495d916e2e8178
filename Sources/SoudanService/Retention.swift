import Foundation
import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `[retention] days` (Art. 6: keep personal data no longer than needed), run by
/// the daemon itself.
///
/// Once a day at 03:00 office time (at the first batch, or the clock move, that
/// reaches it), and at the first batch after start-up when that run was missed, it does what `privacy.purge {"before": today − days}`
/// does, and is recorded in the access log like a request (socket `system`).
/// Like every time rule it is held while a wall-clock jump is. The date of the
/// last run is kept in `meta`, so a restart neither repeats nor skips a day.
enum Retention {
    static let hour = 3

    /// The date whose run is due at `now`: today from 03:00, else yesterday.
    static func dueDate(at now: Instant) -> CivilDate {
        let (today, minute, _) = OfficeCalendar.local(now)
        return minute >= hour * 60 ? today : today.adding(days: -1)
    }

    /// The date before which the next retention run erases (for a dry run):
    /// the run of today's 03:00 if it is still to come, else tomorrow's.
    static func nextCutoff(at now: Instant, office: OfficeSettings) -> CivilDate? {
        guard office.retentionDays > 0 else { return nil }
        let (today, minute, _) = OfficeCalendar.local(now)
        let next = minute >= hour * 60 ? today.adding(days: 1) : today
        return next.adding(days: -office.retentionDays)
    }

    static func runIfDue(_ db: StoreTransaction, now: Instant, office: OfficeSettings, key: AuditKey, maintenance: Maintenance) throws {
        guard office.retentionDays > 0 else { return }
        let due = dueDate(at: now)
        // Asked once a second: through the statement cache.
        if let last = try MetaStore.value("retention_last_run", in: db),
            last >= due.description
        {
            return
        }
        let before = due.adding(days: -office.retentionDays)
        let purged = try RecordStore.purge(before: OfficeCalendar.startOfDay(before), now: now, in: db)
        try MetaStore.set("retention_last_run", to: due.description, in: db)
        let record = AccessRecord(
            at: now, socket: .system, uid: getuid(), pid: getpid(), op: "privacy.purge", code: "ok", latencyMicros: 0,
            legalBasis: "[retention] days = \(office.retentionDays): before \(before)", requestedBy: "retention")
        try AccessLog.append(record, key: key, in: db)
        if !purged.isEmpty { maintenance.requestCheckpoint() }
    }
}
