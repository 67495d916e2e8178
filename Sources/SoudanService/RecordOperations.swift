import SoudanDomain
import SoudanProtocol
import SoudanStore

/// `report.usage`, `audit.disclose`, `privacy.purge` (Art. 5, 6).
enum RecordOperations {
    static func make(_ env: ServiceEnvironment) -> [Operation] {
        [
            Operation(
                "report.usage", sockets: Sockets.admin,
                .read { db, context in
                    let (from, to) = try AvailabilityOperations.dateRange(context.args, maxDates: 366)
                    return ["days": .array(try usage(from: from, to: to, env: env, in: db))]
                }),
            Operation(
                "audit.disclose", sockets: Sockets.admin, recording: [.replyWaitsForRecord, .seesEveryAnsweredRequest],
                .read { db, context in
                    _ = try context.args.nonBlank("legal_basis")
                    _ = try context.args.nonBlank("requested_by")
                    let (from, to) = try AvailabilityOperations.dateRange(context.args, maxDates: 3660)
                    let records = try RecordStore.disclose(
                        from: OfficeCalendar.startOfDay(from), to: OfficeCalendar.startOfDay(to.adding(days: 1)),
                        seekerNo: context.args.string("seeker_no"), in: db)
                    return ["records": .array(records)]
                }),
            Operation(
                "privacy.purge", sockets: Sockets.admin, recording: .seesEveryAnsweredRequest,
                .write { db, context in
                    let dryRun = context.args.bool("dry_run") == true
                    guard
                        let date = context.args.date("before") ?? (dryRun ? Retention.nextCutoff(at: context.now, office: env.office) : nil)
                    else {
                        throw WireError.invalidArgs(field: "before", "before is required (only a dry run may leave it out)")
                    }
                    guard date <= OfficeCalendar.local(context.now).date else {
                        throw WireError.invalidArgs(field: "before", "before is later than today; a purge cannot reach into the future")
                    }
                    guard dryRun else {
                        let purged = try RecordStore.purge(before: OfficeCalendar.startOfDay(date), now: context.now, in: db)
                        env.maintenance.requestCheckpoint()
                        return ["purged": .object(purged.json)]
                    }
                    // What it would erase: the purge itself, in a savepoint rolled back.
                    var purged = RecordStore.Purged()
                    do {
                        try db.inSavepoint {
                            purged = try RecordStore.purge(before: OfficeCalendar.startOfDay(date), now: context.now, in: db)
                            throw DryRunRolledBack()
                        }
                    } catch is DryRunRolledBack {}
                    return ["purged": .object(purged.json), "before": .string(date.description), "dry_run": true]
                }),
        ]
    }

    /// Per-day counts. `capacity` counts the counselor-slots worked that day with the
    /// hours and absences on record; no seeker or device identifier appears.
    static func usage(from: CivilDate, to: CivilDate, env: ServiceEnvironment, in db: StoreTransaction) throws -> [JSONValue] {
        let counts = try RecordStore.usage(
            from: OfficeCalendar.startOfDay(from), to: OfficeCalendar.startOfDay(to.adding(days: 1)), in: db)
        let counselors = try CounselorStore.all(in: db)
        let absences = try CounselorStore.absences(from: from, to: to, in: db)
        let calendar = env.calendar
        var days: [JSONValue] = []
        var date = from
        while date <= to {
            let day = date.daysSinceEpoch
            var capacity = 0
            for start in calendar.slots(on: date) {
                let minute = OfficeCalendar.local(start).minute
                capacity +=
                    counselors.filter { counselor in
                        counselor.weekly.covers(weekday: date.weekday, slotStartMinute: minute)
                            && !(absences[counselor.counselorID]?.contains { $0.contains(day) } ?? false)
                    }.count
            }
            let c = counts[day] ?? RecordStore.DayCounts()
            let utilisation = capacity == 0 ? 0 : (Double(c.consultations - c.cancelled) / Double(capacity) * 10_000).rounded() / 10_000
            days.append([
                "date": .string(date.description), "requests": JSONValue(c.requests), "consultations": JSONValue(c.consultations),
                "completed": JSONValue(c.completed), "cancelled": JSONValue(c.cancelled), "no_show": JSONValue(c.noShow),
                "capacity": JSONValue(capacity), "utilisation": .double(utilisation),
            ])
            date = date.adding(days: 1)
        }
        return days
    }

    private struct DryRunRolledBack: Error {}
}
