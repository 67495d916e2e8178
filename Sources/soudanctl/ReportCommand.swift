import ArgumentParser
import Foundation
import SoudanProtocol

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Reports without seeker or device identifiers (Art. 5).",
        subcommands: [Usage.self])

    struct Usage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Utilisation per day and per half-hour slot, as tables with bars, and optionally an SVG chart.",
            discussion: """
                Per day: requests, consultations by outcome, capacity (counselor-slots worked) and utilisation \
                ((consultations - cancelled) / capacity). Per slot: the same share for each half hour of the day, \
                over the whole range. --svg FILE writes both as a chart.
                """)
        @OptionGroup var options: ConnectionOptions
        @Option(help: "First date, YYYY-MM-DD.") var from: String
        @Option(help: "Last date, YYYY-MM-DD (included).") var to: String
        @Option(help: "Also write the chart as an SVG file.") var svg: String?

        func run() throws {
            let result = try options.call("report.usage", ["from": .string(from), "to": .string(to)])
            let days = result["days"]?.arrayValue ?? []
            let slots = options.json ? [] : try UsageBySlot.compute(days: days, options: options)
            if let svg {
                let bySlot = options.json ? try UsageBySlot.compute(days: days, options: options) : slots
                try UsageChart.svg(days: days, slots: bySlot).write(toFile: svg, atomically: true, encoding: .utf8)
            }
            options.show(result) { _ in
                let rows = days.map { day in
                    ["date", "requests", "consultations", "completed", "cancelled", "no_show", "capacity"].map { Output.cell(day[$0]) }
                        + [UsageChart.bar(day["utilisation"]?.numberValue ?? 0)]
                }
                Output.table(["DATE", "REQUESTS", "CONSULTATIONS", "COMPLETED", "CANCELLED", "NO-SHOW", "CAPACITY", "UTILISATION"], rows)
                print()
                Output.table(
                    ["SLOT", "HELD", "CAPACITY", "UTILISATION"],
                    slots.map {
                        [$0.time, String($0.held), String($0.capacity), UsageChart.bar($0.share)]
                    })
            }
        }
    }
}

/// Utilisation per half-hour slot over a range: consultations held (not
/// cancelled) starting at that time of day, against counselor-slots worked then.
enum UsageBySlot {
    struct Slot {
        var time: String
        var held: Int
        var capacity: Int
        var share: Double { capacity == 0 ? 0 : Double(held) / Double(capacity) }
    }

    static func compute(days: [JSONValue], options: ConnectionOptions) throws -> [Slot] {
        var held: [String: Int] = [:]
        var capacity: [String: Int] = [:]
        let dates = days.compactMap { $0["date"]?.stringValue }
        for chunk in stride(from: 0, to: dates.count, by: 31).map({ Array(dates[$0..<min($0 + 31, dates.count)]) }) {
            guard let first = chunk.first, let last = chunk.last else { continue }
            // free = counselors working and not holding a live consultation then.
            for slot in try options.call("slots.available", ["from": .string(first), "to": .string(last)])["slots"]?.arrayValue ?? [] {
                capacity[Records.clock(slot["start"]), default: 0] += Int(slot["free"]?.intValue ?? 0)
            }
        }
        for date in dates {
            for c in try options.call("consultation.list", ["date": .string(date)])["consultations"]?.arrayValue ?? [] {
                let time = Records.clock(c["start"])
                let status = c["status"]?.stringValue ?? ""
                if status != "cancelled" { held[time, default: 0] += 1 }
                // Live consultations hold their counselor: add them back to what was worked.
                if status == "scheduled" || status == "in_progress" { capacity[time, default: 0] += 1 }
            }
        }
        return Set(capacity.keys).union(held.keys).sorted().map { Slot(time: $0, held: held[$0] ?? 0, capacity: capacity[$0] ?? 0) }
    }
}

/// Bars for the terminal and an SVG for reports.
enum UsageChart {
    static func bar(_ share: Double) -> String {
        let percent = share * 100
        return String(format: "%5.1f%% ", percent) + String(repeating: "█", count: Int((percent / 5).rounded()))
    }

    static func svg(days: [JSONValue], slots: [UsageBySlot.Slot]) -> String {
        let rows =
            days.map { (Output.cell($0["date"]), $0["utilisation"]?.numberValue ?? 0) } + [("", -1)]
            + slots.map { ($0.time, $0.share) }
        let width = 640
        let rowHeight = 18
        let height = 40 + rows.count * rowHeight
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="12">
            <text x="10" y="20" font-size="14">soudan utilisation (per day, then per half-hour slot)</text>

            """
        for (index, row) in rows.enumerated() where row.1 >= 0 {
            let y = 34 + index * rowHeight
            let length = Int(row.1 * 400)
            svg += """
                <text x="10" y="\(y + 12)">\(row.0)</text>\
                <rect x="110" y="\(y)" width="\(length)" height="\(rowHeight - 4)" fill="#3a7bd5"/>\
                <text x="\(116 + length)" y="\(y + 12)">\(String(format: "%.1f%%", row.1 * 100))</text>

                """
        }
        return svg + "</svg>\n"
    }
}
