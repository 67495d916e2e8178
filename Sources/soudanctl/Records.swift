import SoudanProtocol

/// How records read on a terminal.
enum Records {
    /// `10:00` from an office-time timestamp.
    static func clock(_ value: JSONValue?) -> String {
        guard let text = value?.stringValue, text.count >= 16 else { return Output.cell(value) }
        let start = text.index(text.startIndex, offsetBy: 11)
        return String(text[start..<text.index(start, offsetBy: 5)])
    }

    static func companions(_ value: JSONValue?) -> String {
        let list = (value?.arrayValue ?? []).map { "\(Output.cell($0["role"])):\(Output.cell($0["name"]))" }
        return list.isEmpty ? "-" : list.joined(separator: ", ")
    }

    static func consultation(_ c: JSONValue?) {
        guard let c else { return }
        Output.fields([
            ("consultation", Output.cell(c["consultation_id"])), ("request", Output.cell(c["request_id"])),
            ("seeker", Output.cell(c["seeker_no"])), ("counselor", Output.cell(c["counselor_id"])),
            ("start", Output.cell(c["start"])), ("end", Output.cell(c["end"])), ("status", Output.cell(c["status"])),
            ("companions", companions(c["companions"])),
            (
                "meeting",
                "\(Output.cell(c["meeting"]?["join_url"])) (ID \(Output.cell(c["meeting"]?["meeting_id"])), passcode \(Output.cell(c["meeting"]?["passcode"])))"
            ),
            (
                "cutoff override",
                c["override_cutoff"].flatMap { $0 == .null ? nil : "\(Output.cell($0["reason"])) by uid \(Output.cell($0["by"]?["uid"]))" }
                    ?? "-"
            ),
            ("contacted", Output.cell(c["contacted"])),
        ])
    }

    static func request(_ r: JSONValue?) {
        guard let r else { return }
        Output.fields([
            ("request", Output.cell(r["request_id"])), ("seeker", Output.cell(r["seeker_no"])), ("name", Output.cell(r["name"])),
            ("channel", Output.cell(r["channel"])), ("status", Output.cell(r["status"])),
            ("preferences", (r["preferences"]?.arrayValue ?? []).map { Output.cell($0) }.joined(separator: ", ")),
            ("companions", companions(r["companions"])), ("note", Output.cell(r["note"])),
        ])
    }

    static func seeker(_ s: JSONValue?) {
        guard let s else { return }
        Output.fields([
            ("seeker", Output.cell(s["seeker_no"])), ("name", Output.cell(s["name"])), ("phone", Output.cell(s["phone"])),
            ("status", Output.cell(s["status"])), ("no-shows", Output.cell(s["no_show_count"])),
            ("My Page", Output.cell(s["my_page"])), ("webcam device", Output.cell(s["webcam_device"])),
            ("consent", "\(Output.cell(s["consented_version"])) (\(Output.cell(s["consent_kind"])))"),
        ])
    }
}
