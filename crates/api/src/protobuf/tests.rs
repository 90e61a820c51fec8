use super::*;

#[test]
fn dump_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/protobuf/testdata");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for p in names {
        let v = decode_protobuf(&std::fs::read(&p).unwrap());
        println!("{}: {}", p.file_name().unwrap().to_string_lossy(), match v { Ok(v) => serde_json::to_string(&v).unwrap(), Err(e) => format!("ERR {e}") });
    }
}
