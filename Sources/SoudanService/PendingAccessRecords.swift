import SoudanSync
import SoudanStore

/// Access records of requests that do not write (pings, reads, refusals), on
/// their way to the single writer.
///
/// Why: one writer job per ping made the writer pay a closure, a savepoint and
/// a chain-head lookup per request. Records collect here instead, and the first
/// record into an empty buffer submits one job that appends everything waiting
/// by the time it runs — one job per writer batch however many requests arrive.
/// A crash can lose the records not yet committed, as it could before: a read's
/// reply never waited for its access record.
final class PendingAccessRecords: Sendable {
    private let records = LockedValue<[AccessRecord]>([])
    private let writer: SingleWriter

    init(writer: SingleWriter) {
        self.writer = writer
    }

    func add(_ record: AccessRecord) {
        let first = records.withLock { records -> Bool in
            records.append(record)
            return records.count == 1
        }
        guard first else { return }
        writer.submit(WriteJob(run: { [self] db in
            try AccessLog.append(contentsOf: takeAll(), in: db)
            return .null
        }))
    }

    private func takeAll() -> [AccessRecord] {
        records.withLock { records in
            let taken = records
            records = []
            return taken
        }
    }
}
