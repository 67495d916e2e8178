import SoudanDomain
import SoudanProtocol
import SoudanStore

/// Records as the wire shows them: the argument field names, times in office time.
extension SeekerRecord {
    var json: JSONValue {
        [
            "seeker_no": .string(seekerNo), "name": .string(name), "phone": .string(phone), "my_page": .bool(myPage),
            "webcam_device": .bool(webcamDevice), "status": .string(status.rawValue), "no_show_count": JSONValue(noShowCount),
            "consented_version": JSONValue(consentedVersion), "consent_kind": JSONValue(consentKind),
        ]
    }

    var facts: SeekerFacts {
        SeekerFacts(
            myPage: myPage, webcamDevice: webcamDevice, status: status,
            consentedVersion: consentedVersion)
    }
}

extension RequestRecord {
    /// Device identifiers are never shown here: they leave the system only through
    /// `audit.disclose` (Art. 5(2)).
    var json: JSONValue {
        [
            "request_id": .string(requestID), "seeker_no": .string(seekerNo), "name": JSONValue(name), "phone": JSONValue(phone),
            "preferences": .array(preferences.map { .time($0) }), "channel": .string(channel), "companions": companions,
            "note": JSONValue(note), "during_consultation": JSONValue(duringConsultation), "status": .string(status.rawValue),
            "reason": JSONValue(reason), "created_at": .time(createdAt),
        ]
    }
}

extension ConsultationRecord {
    func json(meeting: CounselorSettings.Meeting?) -> JSONValue {
        var override: JSONValue = .null
        if let overrideReason {
            override = ["reason": .string(overrideReason), "by": ["uid": JSONValue(overrideUID), "pid": JSONValue(overridePID)]]
        }
        return [
            "consultation_id": .string(consultationID), "request_id": .string(requestID), "seeker_no": .string(seekerNo),
            "counselor_id": .string(counselorID), "start": .time(start), "end": .time(end),
            "meeting": meeting?.json ?? .null, "status": .string(status.rawValue), "companions": companions,
            "override_cutoff": override, "contacted": .bool(contacted),
            "cancelled": cancelChannel.map { ["channel": .string($0), "reason": JSONValue(cancelReason)] } ?? .null,
            "started_at": .time(startedAt), "completed_at": .time(completedAt), "auto_completed": .bool(autoCompleted),
            "stopped": stopReason.map { ["reason": .string($0), "note": JSONValue(stopNote)] } ?? .null,
        ]
    }
}

extension CounselorSettings {
    var json: JSONValue {
        ["counselor_id": .string(counselorID), "name": .string(name), "meeting": meeting.json, "weekly": weekly.json]
    }
}

/// Looks up the meeting of each consultation's counselor (the notifier sends it on).
struct MeetingDirectory {
    private var cache: [String: CounselorSettings.Meeting?] = [:]

    mutating func meeting(of counselorID: String, in db: StoreTransaction) throws -> CounselorSettings.Meeting? {
        if let known = cache[counselorID] { return known }
        let meeting = try CounselorStore.fetch(counselorID, in: db)?.meeting
        cache[counselorID] = meeting
        return meeting
    }

    mutating func json(_ consultation: ConsultationRecord, in db: StoreTransaction) throws -> JSONValue {
        consultation.json(meeting: try meeting(of: consultation.counselorID, in: db))
    }
}
